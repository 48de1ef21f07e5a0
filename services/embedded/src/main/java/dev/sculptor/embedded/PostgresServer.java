package dev.sculptor.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * A real PostgreSQL server (zonky's Maven-served binaries, extracted and repaired by {@link PgBinaries}) on loopback,
 * with its data in one directory. Databases are created on request, so users keep apart by name on one server.
 *
 * <p>Every connection needs the superuser's password (scram-sha-256, over TCP and the local socket alike): loopback is
 * shared by every local user. initdb reads the password from a file only the owner can read, deleted once the server
 * is up, so it never appears on a command line. A data directory made by an earlier version (zonky's
 * {@code initdb -A trust}, no password) is moved over on its first start: the password is set, then the trust lines of
 * its {@code pg_hba.conf} become scram-sha-256.
 */
public final class PostgresServer implements AutoCloseable {
    /** Superuser of the server. */
    public static final String USER = "postgres";
    /** How passwords are checked and stored. */
    static final String AUTH_METHOD = "scram-sha-256";
    /** An active pg_hba.conf line whose method is trust: group 1 before the method, group 2 after it. */
    private static final Pattern TRUST_LINE = Pattern.compile("^([ \\t]*[^#\\s].*[ \\t])trust([ \\t]*(?:#.*)?)$", Pattern.MULTILINE);
    /** The database every server has, for administration. */
    public static final String ADMIN_DATABASE = "postgres";

    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");
    private static final int FREE_PORT_ATTEMPTS = 3;
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(120);

    /**
     * Where the server listens (0: a free port, tried again on a fresh one when taken before the server binds it), keeps
     * its data and finds its binaries. A {@code throwAway} server starts on an empty data directory, skips durability
     * (fsync, synchronous commit, full-page writes), and is stopped and deleted when the JVM exits; otherwise the data
     * directory is kept and reused, and stopping is the owner's business. {@code password} is the superuser's: set by
     * initdb on an empty data directory (or on one that trusted every local connection), and needed by every client.
     */
    public record Config(int port, Path dataDir, Path binariesDir, boolean throwAway, String password) {
        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(binariesDir, "binariesDir");
            if (password == null || password.isBlank() || password.contains("\n") || password.contains("\r")) {
                // initdb takes the first line of its password file.
                throw new IllegalArgumentException("the superuser's password must be one non-blank line");
            }
        }

        @Override
        public String toString() {
            return "Config[port=" + port + ", dataDir=" + dataDir + ", binariesDir=" + binariesDir + ", throwAway=" + throwAway
                    + "]";
        }
    }

    private final EmbeddedPostgres postgres;
    private final Config config;
    private boolean closed;

    private PostgresServer(EmbeddedPostgres postgres, Config config) {
        this.postgres = postgres;
        this.config = config;
    }

    /**
     * Starts the server (running initdb on an empty data directory); {@code notes} gets one line per repair, and one
     * when a data directory that trusted local connections was given the password.
     */
    public static PostgresServer start(Config config, Consumer<String> notes) {
        boolean free = config.port() == 0;
        IOException last = null;
        Path pwfile = passwordFile(config);
        try {
            for (int attempt = 0; attempt < (free ? FREE_PORT_ATTEMPTS : 1); attempt++) {
                int port = free ? Loopback.freePort() : config.port();
                EmbeddedPostgres pg;
                try {
                    pg = PgBinaries.start(config.binariesDir(), b -> configure(b, config, port, pwfile), notes);
                } catch (IOException e) {
                    // Most often the port was taken between probe and bind.
                    last = e;
                    if (config.throwAway()) {
                        Dirs.deleteQuietly(config.dataDir());
                    }
                    continue;
                }
                PostgresServer server = new PostgresServer(pg, config);
                try {
                    server.requirePasswords(notes);
                } catch (RuntimeException e) {
                    server.close();
                    throw e;
                }
                return server;
            }
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException e) {
                notes.accept("embedded PostgreSQL: could not delete " + pwfile + ": " + e);
            }
        }
        throw new IllegalStateException("embedded PostgreSQL did not start", last);
    }

    /**
     * initdb's {@code --pwfile}: the password in a file only the owner can read, beside the data directory (never in it:
     * initdb wants it empty), so that no command line carries it.
     */
    private static Path passwordFile(Config config) {
        try {
            Path parent = config.dataDir().toAbsolutePath().normalize().getParent();
            Files.createDirectories(parent);
            Path f = Files.createTempFile(parent, ".pg-pwfile-", "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(f, config.password() + "\n", StandardCharsets.UTF_8);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the password file for initdb", e);
        }
    }

    private static void configure(EmbeddedPostgres.Builder b, Config config, int port, Path pwfile) {
        b.setDataDirectory(config.dataDir())
                .setCleanDataDirectory(config.throwAway())
                .setRegisterShutdownHook(config.throwAway())
                .setPort(port)
                .setServerConfig("listen_addresses", Loopback.HOST)
                .setServerConfig("password_encryption", AUTH_METHOD)
                // zonky hands its "locale" settings to initdb alone, as --key=value after its own "-A trust": initdb
                // takes the later options, so TCP and the local socket both need the password read from pwfile.
                .setLocaleConfig("auth-host", AUTH_METHOD)
                .setLocaleConfig("auth-local", AUTH_METHOD)
                .setLocaleConfig("pwfile", pwfile.toString())
                // zonky's own readiness check (select 1) logs in too.
                .setConnectConfig("password", config.password())
                .setPGStartupWait(STARTUP_WAIT);
        if (config.throwAway()) {
            b.setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
    }

    /**
     * Makes sure every connection needs the password. A data directory made by an earlier version trusts every local
     * connection: while it still does, any password logs in, so the superuser's is set (hashed by the driver, so the
     * plain text reaches no server log), then its trust lines become scram-sha-256 and the server reloads them.
     */
    private void requirePasswords(Consumer<String> notes) {
        Path hba = config.dataDir().resolve("pg_hba.conf");
        String conf;
        try {
            conf = Files.readString(hba, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + hba, e);
        }
        Matcher m = TRUST_LINE.matcher(conf);
        if (!m.find()) {
            return;
        }
        try (Connection c = connect(port(), ADMIN_DATABASE, config.password())) {
            c.unwrap(PGConnection.class).alterUserPassword(USER, config.password().toCharArray(), AUTH_METHOD);
            Path tmp = hba.resolveSibling("pg_hba.conf.tmp");
            Files.writeString(tmp, m.replaceAll("$1" + AUTH_METHOD + "$2"), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(hba));
            Files.move(tmp, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_reload_conf()");
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot set the password of the PostgreSQL server on " + config.dataDir(), e);
        }
        notes.accept("embedded PostgreSQL: " + config.dataDir() + " trusted every local connection (made by an earlier"
                + " version); the superuser's password is set and connections now need it (" + AUTH_METHOD + ")");
    }

    /** True when {@code dataDir}'s pg_hba.conf lets some local connections in without a password (an earlier version's). */
    public static boolean trustsConnections(Path dataDir) {
        try {
            return TRUST_LINE.matcher(Files.readString(dataDir.resolve("pg_hba.conf"), StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            return false;
        }
    }

    /** A connection as the superuser, with the password sent as a property (never part of the URL). */
    public static Connection connect(int port, String database, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", password);
        return DriverManager.getConnection(url(port, database), p);
    }

    /** The JDBC URL of a database on a server at {@code port} (nothing is created). */
    public static String url(int port, String database) {
        return "jdbc:postgresql://" + Loopback.HOST + ":" + port + "/" + database;
    }

    /**
     * Creates the database on the server at {@code port} unless it exists, logging in with the superuser's password.
     *
     * @param database letters, digits, {@code _} and {@code -}; starts with a letter or {@code _}
     */
    public static void createDatabase(int port, String password, String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("unsupported database name: " + database);
        }
        try (Connection c = connect(port, ADMIN_DATABASE, password)) {
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
        createDatabase(port(), config.password(), database);
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
