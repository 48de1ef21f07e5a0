package dev.sculptor.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.testing.HealthChecks;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Readiness names the dependencies training cannot work without: Kafka (kafka), over which runs are requested, and
 * the S3 store (object-store), where checkpoints live; switched on by {@code sculptor.health.kafka} and
 * {@code sculptor.health.store} (read at run time and at build time respectively). How the checks go DOWN is {@code DependencyHealthTest}'s (evaluation)
 * and {@code DependencyReadinessTest}'s (platform); this pins that training has them.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
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
