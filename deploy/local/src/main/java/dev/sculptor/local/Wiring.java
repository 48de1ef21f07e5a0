package dev.sculptor.local;

import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.PostgresServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where the infrastructure of one {@code up} listens, its databases and the secrets: what every service's command line
 * and endpoints.json are made of.
 */
record Wiring(Path state, Path repo, PortPlan ports, String s3SecretKey, Set<String> databases, String adminToken) {
    String kafkaBootstrap() {
        return Loopback.HOST + ":" + ports.kafka;
    }

    String s3Endpoint() {
        return "http://" + Loopback.HOST + ":" + ports.s3;
    }

    String jdbcUrl(String database) {
        return PostgresServer.url(ports.postgres, database);
    }

    int servicePort(String service) {
        return ports.services.get(service);
    }

    /** The values the placeholders of services.properties stand for ({@link ServiceDefs#expand}). */
    Map<String, String> placeholders() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("state", state.toString());
        vars.put("repo", repo.toString());
        vars.put("kafka.bootstrap", kafkaBootstrap());
        vars.put("s3.endpoint", s3Endpoint());
        vars.put("postgres.port", Integer.toString(ports.postgres));
        // for services that call other services (pass it in env, not sysprop: the command line is public)
        vars.put("admin.token", adminToken);
        ports.services.forEach((n, p) -> vars.put(n + ".port", Integer.toString(p)));
        return vars;
    }
}
