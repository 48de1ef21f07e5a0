package dev.sculptor.platform.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.StringValue;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.EmbeddedPostgresDb;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The transactional outbox against real PostgreSQL and Kafka. */
class OutboxPublisherTest {
    static EmbeddedKafka kafka;
    static EmbeddedPostgresDb pg;
    static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        pg = EmbeddedPostgresDb.start();
        String url = pg.jdbcUrl("outbox_test");
        ds = new SimpleDataSource(url, pg.user(), pg.password());
        String ddl = new String(OutboxPublisherTest.class.getResourceAsStream("/db/platform/V0_1__outbox.sql").readAllBytes(),
                StandardCharsets.UTF_8);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(ddl);
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
        pg.close();
    }

    @Test
    void committedEventsArriveOnceRolledBackNever() throws Exception {
        String topic = "outbox-" + UUID.randomUUID();
        EventEnvelope kept = EventEnvelope.of(StringValue.of("committed"), "//test", "models/a", "a");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            Outbox.append(c, topic, kept);
            c.commit();
            Outbox.append(c, topic, EventEnvelope.of(StringValue.of("rolled back"), "//test", "models/b", "b"));
            c.rollback();
        }
        // "killed" between commit and publish: nothing ran yet; a publisher started later sends it
        try (EventPublisher p = new EventPublisher(kafka.bootstrapServers(), "outbox", Duration.ofSeconds(20));
                OutboxPublisher op = new OutboxPublisher(ds, p, Duration.ofMillis(100)).start()) {
            // one record, and still one a while later: a wrongly duplicated or rolled-back event has time to show up
            List<ConsumerRecord<byte[], byte[]>> got = await("exactly one record on " + topic).atMost(Duration.ofSeconds(30))
                    .during(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> EmbeddedKafka.consumeAll(kafka.bootstrapServers(), topic), records -> records.size() == 1);
            assertEquals("committed", StringValue.parseFrom(got.get(0).value()).getValue());
            assertEquals(kept.id(), new String(got.get(0).headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
            assertEquals(0, op.publishBatch(10));
        }
    }

    @Test
    void onlyTheChangeThatEndsARowEmitsItsEventAndTheRequestIsMarkedEitherWay() throws Exception {
        String topic = "ended-" + UUID.randomUUID();
        String request = UUID.randomUUID().toString();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            Ended<String> first = Ended.commit(c, 1, "runs/a", row -> EventEnvelope.of(StringValue.of(row), "//test", row, row), topic,
                    request);
            Ended<String> again = Ended.commit(c, 0, "runs/a", row -> EventEnvelope.of(StringValue.of(row), "//test", row, row), topic,
                    null);
            c.commit();
            assertEquals(new Ended<>("runs/a", true), first);
            assertEquals(new Ended<>("runs/a", false), again);
        }
        assertEquals(1, count("SELECT count(*) FROM outbox WHERE topic = '" + topic + "'"));
        assertEquals(1, count("SELECT count(*) FROM processed_events WHERE event_id = '" + request + "'"));
    }

    static int count(String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void kafkaDownKeepsTheRowForLater() throws Exception {
        String topic = "outbox-down-" + UUID.randomUUID();
        try (Connection c = ds.getConnection()) {
            Outbox.append(c, topic, EventEnvelope.of(StringValue.of("later"), "//test", null, "k"));
        }
        try (EventPublisher dead = new EventPublisher("127.0.0.1:1", "dead", Duration.ofSeconds(1))) {
            OutboxPublisher op = new OutboxPublisher(ds, dead, Duration.ofMillis(100));
            assertThrows(RuntimeException.class, () -> op.publishBatch(10));
        }
        try (EventPublisher p = new EventPublisher(kafka.bootstrapServers(), "outbox", Duration.ofSeconds(20))) {
            OutboxPublisher op = new OutboxPublisher(ds, p, Duration.ofMillis(100));
            int n = 0;
            while (n == 0 || op.publishBatch(10) > 0) {
                n += op.publishBatch(10);
                if (n == 0) {
                    break;
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), topic, 1,
                Duration.ofSeconds(20));
        assertEquals("later", StringValue.parseFrom(got.get(0).value()).getValue());
    }

    /** Plain DriverManager data source: enough for a test, no pool needed. */
    record SimpleDataSource(String url, String user, String password) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            return DriverManager.getConnection(url, u, p);
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            throw new UnsupportedOperationException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
