package dev.sculptor.local;

import com.google.gson.GsonBuilder;
import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.PostgresServer;
import dev.sculptor.local.ServiceDefs.Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code up} leaves behind for people (the summary it prints) and for programs (endpoints.json). */
final class UpReport {
    private UpReport() {}

    /** Writes endpoints.json (mode 600; it names where the secrets are, not the secrets). */
    static void writeEndpoints(Layout l, Wiring w, List<Service> started) throws IOException {
        Secrets.writePrivate(l.endpointsFile(),
                new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(endpoints(l, w, started)) + "\n");
    }

    static Map<String, Object> endpoints(Layout l, Wiring w, List<Service> started) {
        Map<String, Object> ep = new LinkedHashMap<>();
        ep.put("stateDir", l.state.toString());
        ep.put("tokenFiles", tokenFiles(l));
        ep.put("kafka", Map.of("bootstrapServers", w.kafkaBootstrap(), "controller",
                Loopback.HOST + ":" + w.ports().kafkaController));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("endpoint", w.s3Endpoint());
        s.put("accessKey", Infrastructure.S3_ACCESS_KEY);
        s.put("secretKeyFile", l.s3CredentialFile().toString());
        s.put("bucket", Infrastructure.BUCKET);
        s.put("region", "us-east-1");
        ep.put("s3", s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("host", Loopback.HOST);
        p.put("port", w.ports().postgres);
        p.put("user", PostgresServer.USER);
        p.put("passwordFile", l.postgresPasswordFile().toString());
        Map<String, String> dbs = new LinkedHashMap<>();
        w.databases().forEach(d -> dbs.put(d, w.jdbcUrl(d)));
        p.put("databases", dbs);
        ep.put("postgres", p);
        Map<String, Object> svc = new LinkedHashMap<>();
        for (Service sv : started) {
            int port = w.servicePort(sv.name());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("grpc", Loopback.HOST + ":" + port);
            e.put("http", "http://" + Loopback.HOST + ":" + port);
            e.put("health", "http://" + Loopback.HOST + ":" + port + sv.health());
            if (sv.database() != null) {
                e.put("database", sv.database());
            }
            svc.put(sv.name(), e);
        }
        ep.put("services", svc);
        return ep;
    }

    /** Where each role's token is kept, by role. */
    static Map<String, String> tokenFiles(Layout l) {
        Map<String, String> files = new LinkedHashMap<>();
        Secrets.ROLES.forEach(r -> files.put(r, l.tokenFile(r).toString()));
        return files;
    }

    /** The summary at the end of a successful up: where the secrets are kept, never the secrets. */
    static void print(PrintWriter out, Layout l, Wiring w, Map<String, Long> pids, List<Service> services, List<Service> started,
            List<String> skipped, Path servicesFile) {
        out.println();
        out.println("Sculptor local stack is up (state " + l.state + "):");
        out.printf("  %-16s %s (controller %s:%d)%n", "kafka", w.kafkaBootstrap(), Loopback.HOST, w.ports().kafkaController);
        out.printf("  %-16s %s  bucket %s  access key %s  secret key in %s%n", "s3", w.s3Endpoint(), Infrastructure.BUCKET,
                Infrastructure.S3_ACCESS_KEY, l.s3CredentialFile());
        out.printf("  %-16s %s:%d  user %s  password in %s  databases %s  (server pid %s)%n", "postgres", Loopback.HOST,
                w.ports().postgres, PostgresServer.USER, l.postgresPasswordFile(), String.join(", ", w.databases()),
                pids.getOrDefault(Infrastructure.POSTGRES, -1L));
        for (Service s : started) {
            int port = w.servicePort(s.name());
            out.printf("  %-16s http+grpc %s:%d  (health http://%s:%d%s)%n", s.name(), Loopback.HOST, port, Loopback.HOST, port,
                    s.health());
        }
        if (services.isEmpty()) {
            out.println("  (no services defined in " + servicesFile + ")");
        } else if (!skipped.isEmpty()) {
            out.println("  not built yet, skipped: " + String.join(", ", skipped));
        }
        tokenFiles(l).forEach((role, file) -> out.printf("  %-16s %s%n", role + " token", file));
        out.println("  endpoints        " + l.endpointsFile());
        out.println("  logs             " + l.logs() + "   stop with: down");
        out.flush();
    }
}
