package dev.sculptor.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
 * Readiness names the dependencies the registry cannot work without: the S3 store (object-store), where versions are
 * kept, switched on by {@code sculptor.health.store} at build time. Not Kafka: its events wait in the outbox, so a
 * broker outage must not take the registry out of service. How the checks go DOWN is {@code DependencyHealthTest}'s
 * (evaluation) and {@code DependencyReadinessTest}'s (platform); this pins that the registry has the right ones.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "registry"))
class ReadinessTest {
    @TestHTTPResource("/")
    URL url;

    @Test
    void readinessHasTheObjectStoreAndNotKafka() {
        HealthChecks ready = HealthChecks.awaitUp(url, Duration.ofSeconds(60), "object-store");
        assertEquals("UP", ready.checks().get("object-store"), ready.toString());
        assertFalse(ready.checks().containsKey("kafka"), "events wait in the outbox; Kafka is no readiness check: " + ready);
    }
}
