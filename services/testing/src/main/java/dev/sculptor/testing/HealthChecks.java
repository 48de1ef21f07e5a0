package dev.sculptor.testing;

import static org.awaitility.Awaitility.await;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A service's SmallRye Health answer, as a test reads it: the HTTP status and each check's name to its status.
 *
 * <pre>{@code
 * HealthChecks ready = HealthChecks.awaitUp(url, Duration.ofSeconds(60), "kafka", "object-store");
 * }</pre>
 *
 * @param code the HTTP status (200 up, 503 down)
 * @param checks each check's {@code name} to its {@code status} ({@code UP} or {@code DOWN})
 */
public record HealthChecks(int code, Map<String, String> checks) {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** {@code /q/health/{which}} ({@code ready}, {@code live}) of the service at {@code base} (its root URL). */
    public static HealthChecks get(URL base, String which) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/*$", "/") + "q/health/"
                    + which)).build(), HttpResponse.BodyHandlers.ofString());
            JsonObject body = Json.createReader(new StringReader(r.body())).readObject();
            return new HealthChecks(r.statusCode(), body.getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                    .collect(Collectors.toMap(c -> c.getString("name"), c -> c.getString("status"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until readiness is 200 with each of {@code names} present and UP: a dependency's first verdict, and the
     * engine's self-check, may come a little after the application started.
     */
    public static HealthChecks awaitUp(URL base, Duration atMost, String... names) {
        return await("readiness UP with " + Arrays.toString(names)).atMost(atMost).pollInterval(Duration.ofMillis(500))
                .until(() -> get(base, "ready"), h -> h.code() == 200 && Arrays.stream(names).allMatch(n -> "UP".equals(h.checks().get(n))));
    }
}
