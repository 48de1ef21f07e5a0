package dev.sculptor.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.ModelCreated;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.OutboxPublisher;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The service "dies" between committing a change and publishing its event (the publisher never
 * runs in this profile): the event waits in the outbox, and a publisher started afterwards (the
 * restarted service) delivers it exactly once.
 */
@QuarkusTest
@TestProfile(OutboxCrashTest.PublisherDown.class)
@WithTestResource(KafkaResource.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "registry_crash"))
class OutboxCrashTest {
    public static class PublisherDown implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sculptor.outbox.enabled", "false");
        }
    }

    @TestHTTPResource("/")
    URL url;

    @Inject
    AgroalDataSource ds;

    @Test
    void eventCommittedBeforeTheCrashArrivesOnceAfterRestart() throws Exception {
        try (RegistryClient client = new RegistryClient(url.getPort())) {
            client.blocking("admin-token").createModel(CreateModelRequest.newBuilder().setModelId("crash-model").build());
        }
        assertEquals(1, count("SELECT count(*) FROM outbox WHERE subject = 'models/crash-model' AND published_at IS NULL"));
        await("nothing leaves before the publisher runs").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200)).until(() -> created("models/crash-model").isEmpty());

        // the restarted service's publisher, twice (a second replica or a second round finds nothing)
        try (EventPublisher p = new EventPublisher(KafkaResource.bootstrapServers(), "restarted", Duration.ofSeconds(20))) {
            OutboxPublisher restarted = new OutboxPublisher(ds, p, Duration.ofMillis(100));
            int published = 0;
            for (int round = 0; round < 3; round++) {
                published += restarted.publishBatch(100);
            }
            assertEquals(true, published >= 1);
        }
        EmbeddedKafka.awaitRecords(KafkaResource.bootstrapServers(), Topics.REGISTRY_EVENTS, 1, Duration.ofSeconds(20));
        List<ConsumerRecord<byte[], byte[]>> got = created("models/crash-model");
        assertEquals(1, got.size());
        assertEquals("models/crash-model", ModelCreated.parseFrom(got.get(0).value()).getModel());
        assertEquals(0, count("SELECT count(*) FROM outbox WHERE subject = 'models/crash-model' AND published_at IS NULL"));
    }

    static List<ConsumerRecord<byte[], byte[]>> created(String model) {
        return EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), Topics.REGISTRY_EVENTS).stream()
                .filter(r -> new String(r.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8)
                        .equals("sculptor.v1.ModelCreated"))
                .filter(r -> {
                    try {
                        return ModelCreated.parseFrom(r.value()).getModel().equals(model);
                    } catch (Exception e) {
                        return false;
                    }
                }).toList();
    }

    int count(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
