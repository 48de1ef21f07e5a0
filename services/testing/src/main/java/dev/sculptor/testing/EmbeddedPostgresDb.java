package dev.sculptor.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

import dev.sculptor.embeddedpg.PgBinaries;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server (binaries served from Maven by zonky, extracted into {@link #binariesDir()})
 * on a random loopback port with its data in a temporary directory. Databases are created on first request, so test classes can keep
 * apart by name while sharing one server.
 */
public final class EmbeddedPostgresDb implements AutoCloseable {

    /** Superuser of the embedded server. */
    public static final String USER = "postgres";
    /** Password to hand to clients; the server trusts loopback connections and ignores it. */
    public static final String PASSWORD = "postgres";

    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");
    private static final int START_ATTEMPTS = 3;

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private boolean closed;

    private EmbeddedPostgresDb(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /** Runs initdb in a fresh directory and starts the server; returns once it accepts connections. */
    public static EmbeddedPostgresDb start() {
        return ContextLoader.with(EmbeddedPostgresDb::doStart);
    }

    private static EmbeddedPostgresDb doStart() {
        QuietLogs.apply();
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Path dataDir = TempDirs.create("sculptor-pg-");
            try {
                int port = Ports.free();
                EmbeddedPostgres postgres = PgBinaries.start(binariesDir(), b -> b
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(true)
                        .setPort(port)
                        .setServerConfig("listen_addresses", Ports.LOOPBACK)
                        // Throw-away data: durability only costs time.
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off"),
                        System.err::println);
                return new EmbeddedPostgresDb(postgres, dataDir);
            } catch (IOException e) {
                // Most often the port was taken between probe and bind.
                last = e;
                TempDirs.deleteQuietly(dataDir);
            }
        }
        throw new IllegalStateException("embedded PostgreSQL did not start", last);
    }

    /**
     * Where the binaries are extracted: {@value PgBinaries#DIR_PROPERTY} (the build sets it to the module's
     * {@code target/embedded-pg}), else {@code java.io.tmpdir/sculptor-embedded-pg}; never zonky's shared
     * {@code java.io.tmpdir/embedded-pg}. An extraction killed half-way there is repaired on the next start.
     */
    static Path binariesDir() {
        return PgBinaries.dir(Path.of(System.getProperty("java.io.tmpdir"), "sculptor-embedded-pg"));
    }

    public int port() {
        return postgres.getPort();
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /**
     * JDBC URL of the named database, created empty if it does not exist yet.
     *
     * @param database letters, digits, {@code _} and {@code -}; starts with a letter or {@code _}
     */
    public synchronized String jdbcUrl(String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("unsupported database name: " + database);
        }
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD)) {
            boolean exists;
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                q.setString(1, database);
                try (ResultSet rs = q.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE \"" + database + "\"");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database, e);
        }
        return url(database);
    }

    private String url(String database) {
        return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + postgres.getPort() + "/" + database;
    }

    /** Stops the server and deletes its data directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            postgres.close();
        } catch (IOException ignored) {
            // Server already gone; the directory is removed below either way.
        }
        TempDirs.deleteQuietly(dataDir);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresDb[" + url("postgres") + "]";
    }
}
