package dev.sculptor.local;

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
 * <p>Usage: {@code PostgresMain --data DIR --port PORT --ready FILE [--databases a,b]}
 */
public final class PostgresMain {
    private PostgresMain() {}

    public static void main(String[] args) throws Exception {
        Path data = null;
        Path ready = null;
        int port = 15432;
        List<String> databases = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--ready" -> ready = Path.of(args[++i]);
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
        if (data == null || ready == null) {
            System.err.println("usage: PostgresMain --data DIR --port PORT --ready FILE [--databases a,b]");
            System.exit(2);
        }
        Files.deleteIfExists(ready);
        Files.createDirectories(data.getParent());
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setServerConfig("listen_addresses", Health.HOST)
                .setPGStartupWait(Duration.ofSeconds(120))
                .start();
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
