package dev.sculptor.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server (zonky's Maven-served binaries, extracted and repaired by {@link PgBinaries}) on loopback,
 * with its data in one directory. Databases are created on request, so users keep apart by name on one server.
 */
public final class PostgresServer implements AutoCloseable {
    /** Superuser of the server. */
    public static final String USER = "postgres";
    /** Password to hand to clients; the server trusts loopback connections and ignores it. */
    public static final String PASSWORD = "postgres";
    /** The database every server has, for administration. */
    public static final String ADMIN_DATABASE = "postgres";

    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");
    private static final int FREE_PORT_ATTEMPTS = 3;
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(120);

    /**
     * Where the server listens (0: a free port, tried again on a fresh one when taken before the server binds it), keeps
     * its data and finds its binaries. A {@code throwAway} server starts on an empty data directory, skips durability
     * (fsync, synchronous commit, full-page writes), and is stopped and deleted when the JVM exits; otherwise the data
     * directory is kept and reused, and stopping is the owner's business.
     */
    public record Config(int port, Path dataDir, Path binariesDir, boolean throwAway) {
        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(binariesDir, "binariesDir");
        }
    }

    private final EmbeddedPostgres postgres;
    private final Config config;
    private boolean closed;

    private PostgresServer(EmbeddedPostgres postgres, Config config) {
        this.postgres = postgres;
        this.config = config;
    }

    /** Starts the server (running initdb on an empty data directory); {@code notes} gets one line per repair. */
    public static PostgresServer start(Config config, Consumer<String> notes) {
        boolean free = config.port() == 0;
        IOException last = null;
        for (int attempt = 0; attempt < (free ? FREE_PORT_ATTEMPTS : 1); attempt++) {
            int port = free ? Loopback.freePort() : config.port();
            try {
                return new PostgresServer(PgBinaries.start(config.binariesDir(), b -> configure(b, config, port), notes),
                        config);
            } catch (IOException e) {
                // Most often the port was taken between probe and bind.
                last = e;
                if (config.throwAway()) {
                    Dirs.deleteQuietly(config.dataDir());
                }
            }
        }
        throw new IllegalStateException("embedded PostgreSQL did not start", last);
    }

    private static void configure(EmbeddedPostgres.Builder b, Config config, int port) {
        b.setDataDirectory(config.dataDir())
                .setCleanDataDirectory(config.throwAway())
                .setRegisterShutdownHook(config.throwAway())
                .setPort(port)
                .setServerConfig("listen_addresses", Loopback.HOST)
                .setPGStartupWait(STARTUP_WAIT);
        if (config.throwAway()) {
            b.setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
    }

    /** The JDBC URL of a database on a server at {@code port} (nothing is created). */
    public static String url(int port, String database) {
        return "jdbc:postgresql://" + Loopback.HOST + ":" + port + "/" + database;
    }

    /**
     * Creates the database on the server at {@code port} unless it exists.
     *
     * @param database letters, digits, {@code _} and {@code -}; starts with a letter or {@code _}
     */
    public static void createDatabase(int port, String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("unsupported database name: " + database);
        }
        try (Connection c = DriverManager.getConnection(url(port, ADMIN_DATABASE), USER, PASSWORD)) {
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
    }

    public int port() {
        return postgres.getPort();
    }

    /**
     * The postmaster's pid: the process that is the server (pg_ctl daemonizes it, so it is no child of this JVM).
     * Stopping it stops the database: SIGTERM waits for clients to leave, SIGINT disconnects them, SIGKILL crashes it.
     */
    public long pid() {
        return postmasterPid(config.dataDir())
                .orElseThrow(() -> new IllegalStateException("no postmaster runs on " + config.dataDir()));
    }

    /** True while the postmaster of this server's data directory runs. */
    public boolean running() {
        return postmasterPid(config.dataDir()).isPresent();
    }

    /**
     * The pid of the postmaster serving {@code dataDir}, from the first line of its {@code postmaster.pid}, when that
     * file names a live {@code postgres} process whose command line names {@code dataDir} (so a pid left in a stale file
     * and since reused by another program is never taken for the server); else empty.
     */
    public static OptionalLong postmasterPid(Path dataDir) {
        long pid;
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            pid = lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        String command = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(h -> h.info().commandLine()).orElse("");
        String data = dataDir.toAbsolutePath().normalize().toString();
        boolean postmaster = command.contains("postgres") && (command.contains(data) || command.contains(realPath(dataDir)));
        return pid > 0 && postmaster ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    private static String realPath(Path p) {
        try {
            return p.toRealPath().toString();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize().toString();
        }
    }

    /** JDBC URL of the named database, created empty if it does not exist yet ({@link #createDatabase}). */
    public synchronized String jdbcUrl(String database) {
        createDatabase(port(), database);
        return url(port(), database);
    }

    /**
     * Stops the server (pg_ctl stop -m fast); a throw-away server's data directory goes with it. Idempotent; a server
     * already stopped or killed from outside is left alone (pg_ctl would only fail, loudly).
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (!config.throwAway() && !running()) {
                return;
            }
            try {
                postgres.close();
            } catch (IOException ignored) {
                // Server already gone.
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + url(port(), ADMIN_DATABASE) + "]";
    }
}
