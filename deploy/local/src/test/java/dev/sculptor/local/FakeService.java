package dev.sculptor.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * A stand-in for a Quarkus service in the end-to-end test (JDK only: it runs as {@code java -jar fake.jar}).
 * Serves {@code /q/health/ready} like SmallRye Health and {@code /config}: the system properties and environment it
 * was started with, in java.util.Properties format (environment variables as {@code env.NAME}).
 */
public final class FakeService {
    private FakeService() {}

    public static void main(String[] args) throws IOException {
        String host = System.getProperty("quarkus.http.host", "127.0.0.1");
        int port = Integer.getInteger("quarkus.http.port", 8080);
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/q/health/ready", ex -> reply(ex, "application/json", "{\"status\": \"UP\", \"checks\": []}"));
        server.createContext("/config", ex -> {
            Properties p = new Properties();
            System.getProperties().forEach((k, v) -> p.setProperty(k.toString(), v.toString()));
            System.getenv().forEach((k, v) -> p.setProperty("env." + k, v));
            StringWriter w = new StringWriter();
            p.store(w, null);
            reply(ex, "text/plain", w.toString());
        });
        server.start();
        System.out.println("fake service listening on " + host + ":" + port);
    }

    private static void reply(HttpExchange ex, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }
}
