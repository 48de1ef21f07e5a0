package dev.sculptor.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one part as a process of its own, on a persistent data directory, until SIGTERM, when it stops the part cleanly.
 * The local stack starts each of its Kafka, S3 and PostgreSQL this way.
 *
 * <pre>
 * Serve kafka    --port P --controller-port C --data DIR [--cluster-id ID] [--partitions N]
 *                (ID: used when DIR is formatted; N: num.partitions of topics the broker auto-creates, default 1)
 * Serve s3       --port P --data DIR --access-key K --secret-file FILE [--bucket B]   (B: created at start)
 * Serve postgres --port P --data DIR --binaries DIR --password-file FILE   (FILE: the superuser's password)
 * </pre>
 * Each also takes {@code --ready FILE}: written once the part answers its clients (holding the pid of the process that
 * serves: PostgreSQL's postmaster, else this one), deleted when it stops. For S3 that is after the bucket of
 * {@code --bucket} exists, which is also when {@link Readiness#s3(String, String, String, String)} with that bucket
 * says ready.
 *
 * <p>PostgreSQL's server is the postmaster, a process of its own (pg_ctl daemonizes it): stopping or killing it stops the
 * database, and this process then exits too, so that nothing reports a server that is gone.
 */
public final class Serve {
    /** The local stack's launcher waits for readiness itself, with its own timeout; this one only bounds a hang. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration POSTMASTER_POLL = Duration.ofMillis(500);

    private Serve() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: Serve kafka|s3|postgres --port P --data DIR ... [--ready FILE]");
            System.exit(2);
        }
        String part = argv[0];
        Map<String, String> args = options(List.of(argv).subList(1, argv.length));
        Path ready = args.containsKey("ready") ? Path.of(args.get("ready")) : null;
        if (ready != null) {
            Files.deleteIfExists(ready);
        }
        long t0 = System.nanoTime();
        AutoCloseable started = start(part, args);
        System.out.printf("Serve: %s ready in %.1f s (%s)%n", part, (System.nanoTime() - t0) / 1e9, started);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (ready != null) {
                    Files.deleteIfExists(ready);
                }
                System.out.println("Serve: stopping " + part);
                started.close();
                System.out.println("Serve: " + part + " stopped");
            } catch (Exception e) {
                System.err.println("Serve: stopping " + part + " failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "serve-stop"));
        if (ready != null) {
            Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
            long pid = started instanceof PostgresServer pg ? pg.pid() : ProcessHandle.current().pid();
            Files.writeString(tmp, pid + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        if (started instanceof PostgresServer pg) {
            exitWhenGone(pg);
        }
        stopped.await();
    }

    /** Exits once the postmaster is gone (polled: it is no child of this JVM, and a zombie counts as gone). */
    private static void exitWhenGone(PostgresServer pg) {
        long pid = pg.pid();
        Thread watch = new Thread(() -> {
            try {
                while (pg.running()) {
                    Thread.sleep(POSTMASTER_POLL.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("Serve: the PostgreSQL server (pid " + pid + ") is gone; exiting");
            System.exit(1);
        }, "postmaster-watch");
        watch.setDaemon(true);
        watch.start();
    }

    static AutoCloseable start(String part, Map<String, String> args) throws IOException {
        int port = Integer.parseInt(required(args, "port"));
        Path data = Path.of(required(args, "data"));
        return switch (part) {
            case "kafka" -> KafkaBroker.start(new KafkaBroker.Config(port, Integer.parseInt(required(args, "controller-port")),
                    data, args.get("cluster-id"), brokerOverrides(args), READY_TIMEOUT));
            case "s3" -> {
                String secret = Files.readString(Path.of(required(args, "secret-file")), StandardCharsets.UTF_8).trim();
                S3Server s3 = S3Server.start(new S3Server.Config(port, data, required(args, "access-key"), secret));
                if (args.containsKey("bucket")) {
                    s3.createBucket(args.get("bucket"));
                }
                yield s3;
            }
            case "postgres" -> {
                // Read from a file, as the S3 secret is: a command line is readable by every local user.
                String password = Files.readString(Path.of(required(args, "password-file")), StandardCharsets.UTF_8).trim();
                yield PostgresServer.start(new PostgresServer.Config(port, data, Path.of(required(args, "binaries")), false,
                        password), line -> System.out.println("Serve: " + line));
            }
            default -> throw new IllegalArgumentException("unknown part '" + part + "' (kafka, s3 or postgres)");
        };
    }

    /** {@code --partitions N}: the broker's {@code num.partitions}, checked here so a typo is named, not a broker trace. */
    static Map<String, String> brokerOverrides(Map<String, String> args) {
        String n = args.get("partitions");
        if (n == null) {
            return Map.of();
        }
        try {
            if (Integer.parseInt(n) >= 1) {
                return Map.of("num.partitions", n);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("--partitions must be a whole number of at least 1, got '" + n + "'");
    }

    /** {@code --name value} pairs, in order; anything else is an error. */
    static Map<String, String> options(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i);
            if (!name.startsWith("--") || i + 1 >= args.size()) {
                throw new IllegalArgumentException("expected --name value, got '" + String.join(" ", args.subList(i, args.size())) + "'");
            }
            out.put(name.substring(2), args.get(i + 1));
        }
        return out;
    }

    private static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
