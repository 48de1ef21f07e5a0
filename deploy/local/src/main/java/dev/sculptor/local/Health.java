package dev.sculptor.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.Readiness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Whether a service is healthy: its MicroProfile health path. (The infrastructure's checks are the embedded
 * library's {@link Readiness}.) Returns null when healthy, else a short reason; never throws.
 */
final class Health {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Health() {}

    /** HTTP GET of a MicroProfile-style health path: 200 and {"status": "UP"}. */
    static String http(int port, String path) {
        if (!Loopback.listening(port, 1000)) {
            return "nothing listens on " + Loopback.HOST + ":" + port;
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + Loopback.HOST + ":" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return "GET " + path + " returned " + r.statusCode();
            }
            JsonElement status = JsonParser.parseString(r.body()).getAsJsonObject().get("status");
            return status != null && "UP".equals(status.getAsString()) ? null : "GET " + path + " status is " + status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "GET " + path + " failed: " + Readiness.rootMessage(e);
        }
    }
}
