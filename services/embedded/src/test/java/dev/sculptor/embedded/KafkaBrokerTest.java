package dev.sculptor.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {
    @TempDir
    Path tmp;

    @Test
    void oneNodeIsBrokerAndControllerOnLoopbackWithSingleReplicaInternalTopics() {
        Properties p = KafkaBroker.brokerProperties(19092, 19093, tmp);
        assertEquals("broker,controller", p.get("process.roles"));
        assertEquals("1@127.0.0.1:19093", p.get("controller.quorum.voters"));
        assertEquals("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093", p.get("listeners"));
        assertEquals("PLAINTEXT://127.0.0.1:19092", p.get("advertised.listeners"));
        assertEquals(tmp.toString(), p.get("log.dirs"));
        for (String k : List.of("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "share.coordinator.state.topic.replication.factor")) {
            assertEquals("1", p.get(k), k);
        }
    }

    /** The local stack's case: fixed data directory, formatted once, topics survive a restart on other ports. */
    @Test
    void restartOnTheSameDataDirectoryKeepsTheClusterAndItsTopics() throws Exception {
        Path data = tmp.resolve("data");
        KafkaBroker.Config config = new KafkaBroker.Config(0, 0, data, "AAAAAAAAAAAAAAAAAAAAAA", Map.of(), Duration.ofSeconds(60));
        assertFalse(KafkaBroker.formatted(data));
        try (KafkaBroker broker = KafkaBroker.start(config);
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            assertNull(Readiness.kafka(broker.bootstrapServers()));
            admin.createTopics(List.of(new NewTopic("sculptor.kept.v1", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        assertTrue(KafkaBroker.formatted(data));
        assertTrue(Files.readString(data.resolve("meta.properties")).contains("cluster.id=AAAAAAAAAAAAAAAAAAAAAA"));
        try (KafkaBroker broker = KafkaBroker.start(config);
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("sculptor.kept.v1"));
        }
    }
}
