package dev.sculptor.local;

import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.PostgresServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the infrastructure of one {@code up} listens, its databases and the secrets: what every service's command line
 * and endpoints.json are made of.
 */
record Wiring(Path state, Path repo, PortPlan ports, String s3SecretKey, String postgresPassword, Set<String> databases,
        Secrets.Tokens tokens) {
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

    /** Every secret value of this wiring, none of which may appear on a command line. */
    List<String> secrets() {
        List<String> all = new ArrayList<>(tokens.values());
        all.add(s3SecretKey);
        all.add(postgresPassword);
        return all;
    }

    /** The values the placeholders of services.properties stand for ({@link ServiceDefs#expand}). */
    Map<String, String> placeholders() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("state", state.toString());
        vars.put("repo", repo.toString());
        vars.put("kafka.bootstrap", kafkaBootstrap());
        vars.put("s3.endpoint", s3Endpoint());
        vars.put("postgres.port", Integer.toString(ports.postgres));
        // For services that call other services; only env may use them (ServiceDefs refuses them in a sysprop).
        tokens.byRole().forEach((role, token) -> vars.put(role + ".token", token));
        ports.services.forEach((n, p) -> vars.put(n + ".port", Integer.toString(p)));
        return vars;
    }
}
