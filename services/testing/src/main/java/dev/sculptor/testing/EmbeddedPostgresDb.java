package dev.sculptor.testing;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

import dev.sculptor.embedded.Dirs;
import dev.sculptor.embedded.PgBinaries;
import dev.sculptor.embedded.PostgresServer;

/**
 * A throw-away PostgreSQL server for a test: {@link PostgresServer} on a free loopback port with its data in a
 * temporary directory (deleted on close) and its binaries in {@link #binariesDir()}. Databases are created on first
 * request, so test classes can keep apart by name while sharing one server.
 */
public final class EmbeddedPostgresDb implements AutoCloseable {

    /** Superuser of the embedded server. */
    public static final String USER = PostgresServer.USER;

    private final PostgresServer server;
    private final Path dataDir;
    private final String password;

    private EmbeddedPostgresDb(PostgresServer server, Path dataDir, String password) {
        this.server = server;
        this.dataDir = dataDir;
        this.password = password;
    }

    /**
     * Runs initdb in a fresh directory and starts the server; returns once it accepts connections. Like the local
     * stack's, the server asks every client for the superuser's password: a random one, per server ({@link #password()}).
     */
    public static EmbeddedPostgresDb start() {
        return ContextLoader.with(() -> {
            QuietLogs.apply();
            Path dataDir = TempDirs.create("sculptor-pg-");
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            try {
                return new EmbeddedPostgresDb(PostgresServer.start(new PostgresServer.Config(0, dataDir, binariesDir(), true,
                        password), System.err::println), dataDir, password);
            } catch (RuntimeException e) {
                Dirs.deleteQuietly(dataDir);
                throw e;
            }
        });
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
        return server.port();
    }

    public String user() {
        return USER;
    }

    /** The superuser's password (random, per server). */
    public String password() {
        return password;
    }

    /**
     * JDBC URL of the named database, created empty if it does not exist yet.
     *
     * @param database letters, digits, {@code _} and {@code -}; starts with a letter or {@code _}
     */
    public String jdbcUrl(String database) {
        return server.jdbcUrl(database);
    }

    /** Stops the server and deletes its data directory. Idempotent. */
    @Override
    public synchronized void close() {
        server.close();
        Dirs.deleteQuietly(dataDir);
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresDb[" + server + "]";
    }
}
