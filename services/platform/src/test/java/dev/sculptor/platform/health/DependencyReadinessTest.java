package dev.sculptor.platform.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.EmbeddedS3;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;

/** The Kafka and object-store readiness checks against real parts that stop and come back, and the cache and timeout. */
class DependencyReadinessTest {
    static final Duration NO_CACHE = Duration.ZERO;
    static final Duration SHORT = Duration.ofSeconds(2);

    @Test
    void kafkaIsDownWhileTheBrokerIsAndUpWhenItIsBack() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaReadiness check = new KafkaReadiness(kafka.bootstrapServers(), NO_CACHE, SHORT);
            try {
                HealthCheckResponse up = check.call();
                assertEquals("kafka", up.getName());
                assertEquals(Status.UP, up.getStatus());
                assertEquals(kafka.bootstrapServers(), up.getData().get().get("bootstrap.servers"));
                kafka.stop();
                HealthCheckResponse down = check.call();
                assertEquals(Status.DOWN, down.getStatus());
                assertTrue(down.getData().get().containsKey("error"), down.getData().toString());
                kafka.restart();
                await("kafka back").atMost(Duration.ofSeconds(30)).until(() -> check.call().getStatus() == Status.UP);
            } finally {
                check.close();
            }
        }
    }

    @Test
    void objectStoreIsDownWhileTheServerIsOrTheBucketIsMissing() {
        try (EmbeddedS3 s3 = EmbeddedS3.start()) {
            s3.createBucket("ready");
            StoreReadiness check = new StoreReadiness(new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), "ready"),
                    NO_CACHE, SHORT);
            HealthCheckResponse up = check.call();
            assertEquals("object-store", up.getName());
            assertEquals(Status.UP, up.getStatus());
            assertEquals(Map.of("endpoint", s3.endpoint(), "bucket", "ready"), up.getData().get());
            s3.stop();
            HealthCheckResponse down = check.call();
            assertEquals(Status.DOWN, down.getStatus());
            assertTrue(String.valueOf(down.getData().get().get("error")).contains("is unreachable"), down.getData().toString());
            s3.restart();
            await("store back").atMost(Duration.ofSeconds(30)).until(() -> check.call().getStatus() == Status.UP);

            StoreReadiness missing = new StoreReadiness(new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), "absent"),
                    NO_CACHE, SHORT);
            HealthCheckResponse none = missing.call();
            assertEquals(Status.DOWN, none.getStatus());
            assertEquals("bucket absent does not exist", none.getData().get().get("error"));
            check.close();
            missing.close();
        }
    }

    @Test
    void aVerdictIsKeptForAWhileAndAProbeThatHangsIsDownAfterTheTimeout() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        DependencyReadiness hanging = new DependencyReadiness("hanging", Duration.ofMinutes(1), Duration.ofMillis(200)) {
            @Override
            protected void probe() throws Exception {
                probes.incrementAndGet();
                release.await();
            }

            @Override
            protected Map<String, String> where() {
                return Map.of();
            }
        };
        long t0 = System.nanoTime();
        HealthCheckResponse r = hanging.call();
        assertEquals(Status.DOWN, r.getStatus());
        assertEquals("no answer within 200 ms", r.getData().get().get("error"));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "bounded by the timeout");
        assertEquals(r, hanging.call(), "kept, not probed again");
        assertEquals(1, probes.get());
        release.countDown();
        hanging.closeProbes();
    }
}
