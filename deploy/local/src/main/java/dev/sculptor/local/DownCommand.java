package dev.sculptor.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code down}: stop the services, then the infrastructure (each group side by side), then any orphaned PostgreSQL. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop what up started (services first, then Kafka, S3, PostgreSQL). Data is kept.")
final class DownCommand implements Callable<Integer> {
    @Mixin StackOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds between SIGTERM and SIGKILL (default ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Layout l = Layout.existing(options.stateDir());
        if (!Files.isDirectory(l.state)) {
            out.println("sculptor local: nothing to stop (no state at " + l.state + ")");
            return LocalStack.OK;
        }
        try (var lock = l.lock(out)) {
            return down(l, out);
        }
    }

    private int down(Layout l, PrintWriter out) throws Exception {
        Set<String> services = new LinkedHashSet<>();
        try {
            options.services().forEach(s -> services.add(s.name()));
        } catch (RuntimeException e) {
            // A broken services file must not keep down from stopping what the pid files name.
        }
        services.addAll(l.pidComponents());
        services.removeAll(Infrastructure.COMPONENTS);
        boolean ok = stopAll(l, new ArrayList<>(services), out);
        ok &= stopAll(l, Infrastructure.COMPONENTS, out);
        ok &= Orphans.stopPostgres(l, out);
        Files.deleteIfExists(l.postgresReady());
        Files.deleteIfExists(l.endpointsFile());
        out.println(ok ? "sculptor local: stopped (data kept in " + l.state + ")" : "sculptor local: some processes did not stop");
        out.flush();
        return ok ? LocalStack.OK : LocalStack.FAILED;
    }

    private boolean stopAll(Layout l, List<String> components, PrintWriter out) throws InterruptedException {
        Map<String, Boolean> result = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (String c : components) {
            OptionalLong pid = Procs.running(l, c);
            if (pid.isEmpty()) {
                deletePid(l, c);
                continue;
            }
            out.printf("  %-16s stopping (pid %d)%n", c, pid.getAsLong());
            out.flush();
            Thread t = new Thread(() -> result.put(c, stop(l, c, pid.getAsLong())), "stop-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        boolean ok = true;
        for (var e : new TreeMap<>(result).entrySet()) {
            if (e.getValue()) {
                deletePid(l, e.getKey());
                out.printf("  %-16s stopped%n", e.getKey());
            } else {
                ok = false;
                out.printf("  %-16s did NOT stop; see %s%n", e.getKey(), l.log(e.getKey()));
            }
        }
        out.flush();
        return ok;
    }

    /** Stops the component's process; for PostgreSQL the postmaster, then its Serve process (which exits by itself). */
    private boolean stop(Layout l, String c, long pid) {
        Duration grace = Duration.ofSeconds(graceSeconds);
        if (!Procs.stop(pid, Procs.stopSignal(c), grace)) {
            return false;
        }
        OptionalLong serve = c.equals(Infrastructure.POSTGRES) ? Procs.scan(l, c) : OptionalLong.empty();
        return serve.isEmpty() || Procs.stop(serve.getAsLong(), "TERM", grace);
    }

    private static void deletePid(Layout l, String c) {
        try {
            Files.deleteIfExists(l.pidFile(c));
        } catch (IOException e) {
            // Stale pid files are verified before use anyway.
        }
    }
}
