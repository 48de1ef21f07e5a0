package dev.sculptor.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.testing.HealthChecks;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Readiness names the dependencies scoring cannot work without: Kafka (kafka), over which its requests come, and the
 * S3 store (object-store), where checkpoints and scores live; switched on by {@code sculptor.health.kafka} and
 * {@code sculptor.health.store} at build time. How the checks go DOWN is {@code DependencyHealthTest}'s (evaluation)
 * and {@code DependencyReadinessTest}'s (platform); this pins that scoring has them.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics",
        value = "sculptor.scoring.requests.v1,sculptor.scoring.events.v1,sculptor.scoring.requests.v1.dlq"))
@WithTestResource(S3Resource.class)
class ReadinessTest {
    @TestHTTPResource("/")
    URL url;

    @Test
    void readinessHasKafkaAndTheObjectStore() {
        HealthChecks ready = HealthChecks.awaitUp(url, Duration.ofSeconds(60), "kafka", "object-store");
        assertEquals("UP", ready.checks().get("kafka"), ready.toString());
        assertEquals("UP", ready.checks().get("object-store"), ready.toString());
    }
}
