package dev.sculptor.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Probes and metrics are open (no token): HTTP health, gRPC health, Prometheus. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "registry"))
class HealthAndMetricsTest {
    @TestHTTPResource("/")
    URL url;

    @Test
    void probesAndMetrics() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"UP\""), health.body());
        // the platform's TopicSetup created sculptor.registry.events.v1 and its .dlq before the outbox ran
        assertTrue(health.body().contains("\"kafka-topics\""), health.body());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(url + "q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "Prometheus text format");
        try (RegistryClient c = new RegistryClient(url.getPort())) {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(c.channel).check(HealthCheckRequest.getDefaultInstance());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
        }
    }
}
