package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.ListTrainingRunsRequest;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The training service itself (not a run pod, see {@link RunPodMainTest}): {@code sculptor.health.kafka=true} from its
 * application.properties puts the Kafka check in readiness, and its API serves. Same resources and profile as the
 * other service tests, so it shares their application.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
class ServiceReadinessTest {
    @TestHTTPResource("/")
    URL url;

    @Test
    void theServiceWaitsForKafkaAndServesItsApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        // the Kafka check's first probe may still be on its way: it is cached and bounded, so ask until it answers UP
        JsonObject kafka = await("the kafka check UP").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Map<String, JsonObject> checks = Json.createReader(new StringReader(r.body())).readObject().getJsonArray("checks").stream()
                    .map(JsonValue::asJsonObject).collect(Collectors.toMap(c -> c.getString("name"), c -> c));
            return checks.get("kafka");
        }, c -> c != null && "UP".equals(c.getString("status")));
        assertEquals(KafkaResource.bootstrapServers(), kafka.getJsonObject("data").getString("bootstrap.servers"));

        try (TrainClient client = new TrainClient(url.getPort())) {
            client.blocking("read-token").listTrainingRuns(ListTrainingRunsRequest.getDefaultInstance());
        }
    }
}
