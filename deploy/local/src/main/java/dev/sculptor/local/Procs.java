package dev.sculptor.local;

import dev.sculptor.embedded.PostgresServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Background processes of the stack: start detached (own session, output to a log file), find, stop.
 *
 * <p>A process is "ours" only when its command line carries both the state-directory marker and the component
 * marker ({@link Layout#stateMarker()}, {@link Layout#componentMarker(String)}), read from
 * {@code /proc/<pid>/cmdline}. A pid file whose pid now belongs to another program is ignored, never killed.
 */
final class Procs {
    private static final Path PROC = Path.of("/proc");
    private static final boolean SETSID = Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid"));

    /** A log larger than this is moved to NAME.log.1 when its component starts again. */
    static final long MAX_LOG_BYTES = 20L << 20;

    private Procs() {}

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The command line of a live (not zombie) process, or null. */
    static List<String> cmdline(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            if (close > 0 && close + 2 < stat.length() && (stat.charAt(close + 2) == 'Z' || stat.charAt(close + 2) == 'X')) {
                return null;
            }
            byte[] raw = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            if (raw.length == 0) {
                return null;
            }
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < raw.length) {
                args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
            }
            return args;
        } catch (IOException e) {
            return null;
        }
    }

    static boolean isOurs(long pid, Layout layout, String component) {
        List<String> args = cmdline(pid);
        return args != null && args.contains(layout.stateMarker()) && args.contains(Layout.componentMarker(component));
    }

    static boolean isAlive(long pid) {
        return cmdline(pid) != null;
    }

    /** Scans /proc for a process of this stack and component (used when the pid file is missing or stale). */
    static OptionalLong scan(Layout layout, String component) {
        try (Stream<Path> s = Files.list(PROC)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .mapToLong(Long::parseLong)
                    .filter(pid -> pid != ProcessHandle.current().pid() && isOurs(pid, layout, component))
                    .findFirst();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong readPid(Layout layout, String component) {
        try {
            String s = Files.readString(layout.pidFile(component), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The pid of the running process for this component, verified; adopts a verified process found by scanning
     * /proc when the pid file is missing or stale (and rewrites the pid file). PostgreSQL's is its postmaster
     * ({@link #runningPostgres}).
     */
    static OptionalLong running(Layout layout, String component) {
        if (component.equals(Infrastructure.POSTGRES)) {
            return runningPostgres(layout);
        }
        OptionalLong pid = readPid(layout, component);
        if (pid.isPresent() && isOurs(pid.getAsLong(), layout, component)) {
            return pid;
        }
        OptionalLong found = scan(layout, component);
        if (found.isPresent()) {
            try {
                Files.writeString(layout.pidFile(component), found.getAsLong() + "\n");
            } catch (IOException e) {
                // Status still reports it; down finds it again by scanning.
            }
        }
        return found;
    }

    /**
     * PostgreSQL's server is its postmaster, a process pg_ctl daemonized (no child of the Serve process, and without
     * the markers): it counts as this stack's while its Serve process runs (found by the markers; that process exits
     * when the postmaster is gone), and once it is up the pid file holds the postmaster's pid, so that stopping or
     * killing the recorded pid stops the database. While the server starts, its Serve process stands for it.
     */
    private static OptionalLong runningPostgres(Layout layout) {
        String c = Infrastructure.POSTGRES;
        OptionalLong recorded = readPid(layout, c);
        OptionalLong serve = recorded.isPresent() && isOurs(recorded.getAsLong(), layout, c) ? recorded : scan(layout, c);
        if (serve.isEmpty()) {
            return OptionalLong.empty();
        }
        OptionalLong postmaster = PostgresServer.postmasterPid(layout.postgresData());
        OptionalLong pid = postmaster.isPresent() ? postmaster : serve;
        if (!pid.equals(recorded)) {
            try {
                Files.writeString(layout.pidFile(c), pid.getAsLong() + "\n");
            } catch (IOException e) {
                // Status still reports it; the next call writes it again.
            }
        }
        return pid;
    }

    /** How a component is asked to stop: SIGINT for PostgreSQL (fast shutdown, where SIGTERM waits for every client). */
    static String stopSignal(String component) {
        return component.equals(Infrastructure.POSTGRES) ? "INT" : "TERM";
    }

    /**
     * Starts {@code command} as a background process that outlives this launcher: own session (setsid), stdin from
     * /dev/null, stdout and stderr appended to the component's log. Writes the pid file and returns the pid.
     */
    static long spawn(Layout layout, String component, List<String> command, Map<String, String> env, Path workDir)
            throws IOException {
        List<String> full = new ArrayList<>();
        if (SETSID) {
            full.add("setsid");
        }
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.directory(workDir.toFile());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Path log = layout.log(component);
        if (Files.isRegularFile(log) && Files.size(log) > MAX_LOG_BYTES) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(log, "==== " + Instant.now() + " sculptor local stack: starting " + component + " ====\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        long pid = p.pid();
        // setsid execs in place unless its caller leads a process group, in which case it forks: find the real pid.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!isOurs(pid, layout, component) && System.nanoTime() < deadline) {
            OptionalLong found = scan(layout, component);
            if (found.isPresent()) {
                pid = found.getAsLong();
                break;
            }
            if (!p.isAlive() && p.exitValue() != 0) {
                break;
            }
            sleep(50);
        }
        Files.writeString(layout.pidFile(component), pid + "\n");
        return pid;
    }

    /** {@code signal} (TERM, INT), then SIGKILL after {@code grace}; returns true when the process is gone. */
    static boolean stop(long pid, String signal, Duration grace) {
        if (!isAlive(pid)) {
            return true;
        }
        signal(pid, signal);
        if (waitGone(pid, grace)) {
            return true;
        }
        signal(pid, "KILL");
        return waitGone(pid, Duration.ofSeconds(10));
    }

    static boolean signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean waitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(100);
        }
        return true;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
