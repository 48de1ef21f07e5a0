package dev.sculptor.local;

import dev.sculptor.embeddedpg.PgBinaries;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Embedded PostgreSQL (zonky binaries) as its own process: starts the server on a persistent data directory,
 * creates the requested databases when missing, writes a ready marker, and stays alive until SIGTERM, when it
 * stops the server cleanly (pg_ctl stop -m fast).
 *
 * <p>The binaries are extracted into {@code --binaries DIR} (the stack's state directory, not zonky's shared
 * {@code java.io.tmpdir/embedded-pg}); an extraction that was killed or ran out of memory there is removed and done
 * again on the next start ({@link PgBinaries}).
 *
 * <p>Usage: {@code PostgresMain --data DIR --binaries DIR --port PORT --ready FILE [--databases a,b]}
 */
public final class PostgresMain {
    private PostgresMain() {}

    public static void main(String[] args) throws Exception {
        Path data = null;
        Path ready = null;
        Path binaries = null;
        int port = 15432;
        List<String> databases = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--ready" -> ready = Path.of(args[++i]);
                case "--binaries" -> binaries = Path.of(args[++i]);
                case "--databases" -> {
                    for (String d : args[++i].split(",")) {
                        if (!d.isBlank()) {
                            databases.add(d.trim());
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (data == null || ready == null || binaries == null) {
            System.err.println("usage: PostgresMain --data DIR --binaries DIR --port PORT --ready FILE [--databases a,b]");
            System.exit(2);
        }
        Files.deleteIfExists(ready);
        Files.createDirectories(data.getParent());
        Path dataDir = data;
        int pgPort = port;
        long t0 = System.nanoTime();
        EmbeddedPostgres pg = PgBinaries.start(binaries, b -> b
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(pgPort)
                .setServerConfig("listen_addresses", Health.HOST)
                .setPGStartupWait(Duration.ofSeconds(120)),
                line -> System.out.println("PostgresMain: " + line));
        System.out.printf("PostgresMain: server started in %.1f s (binaries in %s)%n", (System.nanoTime() - t0) / 1e9, binaries);
        CountDownLatch stopped = new CountDownLatch(1);
        Path readyFile = ready;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(readyFile);
                System.out.println("PostgresMain: stopping PostgreSQL");
                pg.close();
                System.out.println("PostgresMain: PostgreSQL stopped");
            } catch (Exception e) {
                System.err.println("PostgresMain: stop failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "postgres-stop"));

        try (Connection c = DriverManager.getConnection(Health.jdbcUrl(port, "postgres"), "postgres", "postgres")) {
            for (String db : databases) {
                boolean exists;
                try (PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                    ps.setString(1, db);
                    try (ResultSet rs = ps.executeQuery()) {
                        exists = rs.next();
                    }
                }
                if (!exists) {
                    try (Statement s = c.createStatement()) {
                        s.execute("create database \"" + db.replace("\"", "\"\"") + "\"");
                    }
                    System.out.println("PostgresMain: created database " + db);
                }
            }
        }
        Layout.writeAtomically(ready, ProcessHandle.current().pid() + "\n");
        System.out.println("PostgresMain: PostgreSQL ready on " + Health.HOST + ":" + port + " (data " + data + ")");
        stopped.await();
    }
}
