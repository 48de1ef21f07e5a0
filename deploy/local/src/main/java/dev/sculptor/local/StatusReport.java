package dev.sculptor.local;

import com.google.gson.GsonBuilder;
import dev.sculptor.embedded.Loopback;
import dev.sculptor.local.ServiceDefs.Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

/** What {@code status} knows of each component, and its two views: the table for people and JSON for programs. */
final class StatusReport {
    private StatusReport() {}

    /**
     * One component. The JSON field names are the record's: component, state ("running", "stopped" or "not built"),
     * running, pid (null when not running), port (null when none), health ("healthy", "unhealthy", or null when not
     * running), healthy, problem.
     */
    record ComponentStatus(String component, String state, boolean running, Long pid, Integer port, String health,
            boolean healthy, String problem) {
        static ComponentStatus of(Layout l, String name, int port, Supplier<String> check, String stoppedNote) {
            Integer p = port > 0 ? port : null;
            OptionalLong pid = Procs.running(l, name);
            if (pid.isEmpty()) {
                return new ComponentStatus(name, stoppedNote != null ? stoppedNote : "stopped", false, null, p, null, false, null);
            }
            String problem = check.get();
            return new ComponentStatus(name, "running", true, pid.getAsLong(), p, problem == null ? "healthy" : "unhealthy",
                    problem == null, problem);
        }
    }

    /** One row per component: Kafka, S3, PostgreSQL, each defined service, then any other with a pid file. */
    static List<ComponentStatus> collect(Layout l, List<Service> services) throws IOException {
        PortPlan ports = PortPlan.saved(l.loadStack(), services);
        String secret = Secrets.existingS3SecretKey(l);
        String password = Secrets.existingPostgresPassword(l);
        List<ComponentStatus> rows = new ArrayList<>();
        rows.add(ComponentStatus.of(l, "kafka", ports.kafka, () -> Infrastructure.problem(l, "kafka", ports, secret, password, false),
                null));
        rows.add(ComponentStatus.of(l, "s3", ports.s3, () -> Infrastructure.problem(l, "s3", ports, secret, password, false), null));
        rows.add(ComponentStatus.of(l, "postgres", ports.postgres,
                () -> Infrastructure.problem(l, "postgres", ports, secret, password, false), null));
        Set<String> listed = new LinkedHashSet<>();
        for (Service s : services) {
            listed.add(s.name());
            int port = ports.services.get(s.name());
            rows.add(ComponentStatus.of(l, s.name(), port, () -> Health.http(port, s.health()),
                    Files.isRegularFile(s.jar()) ? null : "not built"));
        }
        for (String n : l.pidComponents()) {
            if (!Infrastructure.COMPONENTS.contains(n) && !listed.contains(n)) {
                int port = PortPlan.intProp(l.loadStack(), "service." + n + ".port", 0);
                rows.add(ComponentStatus.of(l, n, port,
                        () -> Loopback.listening(port, 1000) ? null : "nothing listens on port " + port, null));
            }
        }
        return rows;
    }

    /** True when each named component is running and healthy. */
    static boolean healthy(List<ComponentStatus> rows, List<String> components) {
        return components.stream().allMatch(r -> rows.stream().anyMatch(c -> c.component().equals(r) && c.healthy()));
    }

    static void printTable(PrintWriter out, Layout l, List<ComponentStatus> rows) {
        out.println("sculptor local: state " + l.state);
        out.printf("  %-16s %-10s %-8s %-6s %s%n", "COMPONENT", "STATE", "PID", "PORT", "HEALTH");
        for (ComponentStatus c : rows) {
            out.printf("  %-16s %-10s %-8s %-6s %s%n", c.component(), c.state(), c.pid() != null ? c.pid() : "-",
                    c.port() != null ? c.port() : "-",
                    c.health() == null ? "-" : c.healthy() ? "healthy" : "UNHEALTHY: " + c.problem());
        }
        if (Files.isRegularFile(l.endpointsFile())) {
            out.println("  endpoints: " + l.endpointsFile());
        }
        for (String role : Secrets.ROLES) {
            if (Files.isRegularFile(l.tokenFile(role))) {
                out.println("  " + role + " token: " + l.tokenFile(role));
            }
        }
        if (Files.isRegularFile(l.postgresPasswordFile())) {
            out.println("  database password: " + l.postgresPasswordFile());
        }
    }

    /**
     * {stateDir, infraHealthy, components, endpointsFile, adminTokenFile, tokenFiles: {admin, write, read},
     * postgresPasswordFile}, every field present, null or not.
     */
    static String json(Layout l, List<ComponentStatus> rows) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("stateDir", l.state.toString());
        o.put("infraHealthy", healthy(rows, Infrastructure.COMPONENTS));
        o.put("components", rows);
        o.put("endpointsFile", Files.isRegularFile(l.endpointsFile()) ? l.endpointsFile().toString() : null);
        o.put("adminTokenFile", Files.isRegularFile(l.adminTokenFile()) ? l.adminTokenFile().toString() : null);
        Map<String, String> tokens = new LinkedHashMap<>();
        Secrets.ROLES.forEach(r -> tokens.put(r, Files.isRegularFile(l.tokenFile(r)) ? l.tokenFile(r).toString() : null));
        o.put("tokenFiles", tokens);
        o.put("postgresPasswordFile", Files.isRegularFile(l.postgresPasswordFile()) ? l.postgresPasswordFile().toString() : null);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(o);
    }
}
