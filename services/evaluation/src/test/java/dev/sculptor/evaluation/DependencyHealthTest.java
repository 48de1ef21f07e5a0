package dev.sculptor.evaluation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * Readiness follows the dependencies the service cannot work without (Kafka, the S3 store, PostgreSQL), each named;
 * liveness does not, since restarting the service would not bring them back. The shared broker and S3 server are
 * stopped and restarted in place.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = EvaluationGrpcTest.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "evaluation"))
class DependencyHealthTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String DATABASE = "Database connections health check";

    @TestHTTPResource("/")
    URL url;

    final HttpClient http = HttpClient.newHttpClient();

    /** Status code, and each check's name to its status. */
    record Health(int code, Map<String, String> checks) {}

    Health health(String which) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "q/health/" + which)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject body = Json.createReader(new StringReader(r.body())).readObject();
        return new Health(r.statusCode(), body.getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                .collect(Collectors.toMap(c -> c.getString("name"), c -> c.getString("status"))));
    }

    Health awaitReady(String what, int code, String check, String status) {
        return await(what).atMost(WAIT).pollInterval(Duration.ofMillis(500))
                .until(() -> health("ready"), h -> h.code() == code && status.equals(h.checks().get(check)));
    }

    @Test
    void readinessIsDownWhileKafkaOrTheStoreIsAndLivenessStaysUp() throws Exception {
        Health ready = awaitReady("ready at start", 200, "kafka", "UP");
        assertEquals("UP", ready.checks().get("object-store"), ready.toString());
        assertEquals("UP", ready.checks().get(DATABASE), ready.toString());
        assertEquals("UP", ready.checks().get("kafka-topics"), ready.toString());
        // created at start by the platform's TopicSetup: the test resource pre-creates only the other three
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaResource.bootstrapServers()))) {
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("sculptor.evaluation.events.v1.dlq"));
        }

        S3Resource.stopServer();
        try {
            Health down = awaitReady("not ready without the store", 503, "object-store", "DOWN");
            assertEquals("UP", down.checks().get("kafka"), "only the store is named: " + down);
            assertEquals(200, health("live").code(), "alive without the store");
        } finally {
            S3Resource.restartServer();
        }
        awaitReady("ready again with the store", 200, "object-store", "UP");

        KafkaResource.stopBroker();
        try {
            Health down = awaitReady("not ready without Kafka", 503, "kafka", "DOWN");
            assertEquals("UP", down.checks().get("object-store"), "only Kafka is named: " + down);
            assertEquals(200, health("live").code(), "alive without Kafka");
        } finally {
            KafkaResource.restartBroker();
        }
        Health back = awaitReady("ready again with Kafka", 200, "kafka", "UP");
        assertEquals("UP", back.checks().get("evaluation-worker"), back.toString());
    }
}
