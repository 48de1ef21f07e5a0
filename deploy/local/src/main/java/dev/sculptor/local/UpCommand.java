package dev.sculptor.local;

import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.PostgresServer;
import dev.sculptor.local.ServiceDefs.Service;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code up}: choose and check the ports, start Kafka, S3 and PostgreSQL side by side and wait for each, then start
 * every built service and wait for each, and report where everything listens. What already runs is kept.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start Kafka, S3, PostgreSQL and every built service in the background (already running ones are kept).")
final class UpCommand implements Callable<Integer> {
    @Mixin StackOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka broker port (default " + PortPlan.DEFAULT_KAFKA_PORT + ").")
    Integer kafkaPort;

    @Option(names = "--kafka-controller-port", paramLabel = "PORT", description = "KRaft controller port (default: Kafka port + 1).")
    Integer kafkaControllerPort;

    @Option(names = "--s3-port", paramLabel = "PORT", description = "S3 port (default " + PortPlan.DEFAULT_S3_PORT + ").")
    Integer s3Port;

    @Option(names = "--postgres-port", paramLabel = "PORT", description = "PostgreSQL port (default " + PortPlan.DEFAULT_POSTGRES_PORT + ").")
    Integer postgresPort;

    @Option(names = "--port-base", paramLabel = "PORT",
            description = "First service port; each service listens on base + its port-offset (default " + PortPlan.DEFAULT_PORT_BASE + ").")
    Integer portBase;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "How long to wait for each component to become healthy (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        List<Service> services = options.services();
        Layout l = Layout.create(options.stateDir());
        try (var lock = l.lock(spec.commandLine().getOut())) {
            return up(l, services);
        }
    }

    private int up(Layout l, List<Service> services) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        Map<String, OptionalLong> running = new LinkedHashMap<>();
        for (String c : Infrastructure.COMPONENTS) {
            running.put(c, Procs.running(l, c));
        }
        for (Service s : services) {
            running.put(s.name(), Procs.running(l, s.name()));
        }
        PortPlan ports = PortPlan.choose(new PortPlan.Requested(kafkaPort, kafkaControllerPort, s3Port, postgresPort, portBase),
                running, l.loadStack(), services);
        // A PostgreSQL server left behind by a killed Serve process holds our data directory and port: stop it first.
        if (running.get("postgres").isEmpty()) {
            Orphans.stopPostgres(l, out);
        }
        ports.checkFree(running, services, s -> Files.isRegularFile(s.jar()), Loopback::bindable);
        if (!ports.errors.isEmpty()) {
            ports.errors.forEach(e -> err.println("sculptor local: " + e));
            err.flush();
            return LocalStack.USAGE;
        }
        l.saveStack(ports.toProperties());

        Set<String> databases = new LinkedHashSet<>(Infrastructure.DEFAULT_DATABASES);
        services.stream().filter(s -> s.database() != null).forEach(s -> databases.add(s.database()));
        String s3Secret = Secrets.s3SecretKey(l);
        String pgPassword = Secrets.postgresPassword(l);
        Wiring w = new Wiring(l.state, options.repo(), ports, s3Secret, pgPassword, databases, Secrets.tokens(l));

        out.println("sculptor local: state " + l.state);
        out.flush();
        Map<String, Long> pids = new LinkedHashMap<>();
        Duration timeout = Duration.ofSeconds(timeoutSeconds);

        // Infrastructure: started side by side, then waited for one by one.
        Infrastructure infra = new Infrastructure(l, StackOptions.childClasspath(), out);
        if (!keep("s3", running, pids, out)) {
            pids.put("s3", infra.startS3(ports.s3));
        }
        if (!keep("postgres", running, pids, out)) {
            pids.put("postgres", infra.startPostgres(ports.postgres));
        }
        if (!keep("kafka", running, pids, out)) {
            pids.put("kafka", infra.startKafka(ports.kafka, ports.kafkaController));
        }
        for (String c : Infrastructure.COMPONENTS) {
            Await.healthy(l, c, pids.get(c), () -> Infrastructure.problem(l, c, ports, s3Secret, pgPassword, true), timeout, out);
        }
        // Healthy PostgreSQL is its postmaster: from now on the pid file names it.
        Procs.running(l, Infrastructure.POSTGRES).ifPresent(pid -> pids.put(Infrastructure.POSTGRES, pid));
        databases.forEach(db -> PostgresServer.createDatabase(ports.postgres, pgPassword, db));

        // Services: each whose jar exists.
        List<Service> started = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Service s : services) {
            if (keep(s.name(), running, pids, out)) {
                started.add(s);
            } else if (!Files.isRegularFile(s.jar())) {
                skipped.add(s.name());
                out.printf("  %-16s skipped: not built (%s)%n", s.name(), options.repo().relativize(s.jar()));
            } else {
                ServiceCommand launch = ServiceCommand.of(l, s, w, ServiceCommand.djlCacheDir());
                Files.createDirectories(launch.workDir());
                pids.put(s.name(), Procs.spawn(l, s.name(), launch.command(), launch.env(), launch.workDir()));
                out.printf("  %-16s started (pid %d, log %s)%n", s.name(), pids.get(s.name()), l.log(s.name()));
                started.add(s);
            }
            out.flush();
        }
        for (Service s : started) {
            int port = w.servicePort(s.name());
            Await.healthy(l, s.name(), pids.get(s.name()), () -> Health.http(port, s.health()), timeout, out);
        }

        UpReport.writeEndpoints(l, w, started);
        UpReport.print(out, l, w, pids, services, started, skipped, options.servicesFile());
        return LocalStack.OK;
    }

    /** When the component already runs: notes its pid, says so and returns true. */
    private static boolean keep(String component, Map<String, OptionalLong> running, Map<String, Long> pids, PrintWriter out) {
        OptionalLong pid = running.get(component);
        if (pid.isEmpty()) {
            return false;
        }
        pids.put(component, pid.getAsLong());
        out.printf("  %-16s already running (pid %d), kept%n", component, pid.getAsLong());
        return true;
    }
}
