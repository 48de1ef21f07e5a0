package dev.sculptor.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pid a server reports is the postmaster's: a kill of it (TERM or KILL) stops the database. Every connection needs
 * the superuser's password, over TCP and the local socket, also on a data directory an earlier version made trusting.
 */
class PostgresServerTest {
    private static final String PASSWORD = "pg-test-password";
    /** AuthenticationRequest codes of PostgreSQL's protocol: logged in without a password, or asked for SCRAM. */
    private static final int AUTHENTICATION_OK = 0;
    private static final int AUTHENTICATION_SASL = 10;

    @TempDir
    Path tmp;

    static Path binaries() {
        return PgBinaries.dir(Path.of(System.getProperty("java.io.tmpdir"), "sculptor-embedded-pg"));
    }

    /** The process name the kernel knows a pid by (what ps and pkill match). */
    static String processName(long pid) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim();
    }

    @Test
    void thePidIsThePostmasterAndTerminatingItStopsTheDatabase() throws Exception {
        killedBy(false);
    }

    @Test
    void aKilledPostmasterIsGoneTooAndNoStalePidFileNamesIt() throws Exception {
        killedBy(true);
    }

    private void killedBy(boolean sigkill) throws Exception {
        Path data = tmp.resolve("data");
        try (PostgresServer pg = PostgresServer.start(new PostgresServer.Config(0, data, binaries(), false, PASSWORD), line -> {})) {
            int port = pg.port();
            long pid = pg.pid();
            assertNotEquals(ProcessHandle.current().pid(), pid, "not this JVM");
            assertEquals("postgres", processName(pid));
            assertEquals(OptionalLong.of(pid), PostgresServer.postmasterPid(data));
            assertTrue(pg.running());
            assertNull(Readiness.postgres(port, PASSWORD));

            ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
            if (sigkill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !pg.running());
            await().atMost(Duration.ofSeconds(30)).until(() -> !Loopback.listening(port, 200));
            assertEquals("nothing listens on " + Loopback.HOST + ":" + port, Readiness.postgres(port, PASSWORD));
            assertTrue(PostgresServer.postmasterPid(data).isEmpty(), "a postmaster.pid left by a kill names no live server");
        }
        assertFalse(PostgresServer.postmasterPid(tmp.resolve("nowhere")).isPresent());
    }

    @Test
    void everyConnectionNeedsThePasswordOverTcpAndTheLocalSocket() throws Exception {
        Path data = tmp.resolve("data");
        try (PostgresServer pg = PostgresServer.start(new PostgresServer.Config(0, data, binaries(), true, PASSWORD), line -> {})) {
            int port = pg.port();
            assertNull(Readiness.postgres(port, PASSWORD));
            assertEquals(1, selectOne(port, PASSWORD));
            assertRefused(port);
            assertTrue(Readiness.postgres(port, "wrong").contains("password authentication failed"),
                    Readiness.postgres(port, "wrong"));
            assertEquals(AUTHENTICATION_SASL, localSocketAuthentication(data, port), "the local socket asks for the password");

            assertFalse(PostgresServer.trustsConnections(data));
            List<String> methods = hbaMethods(data);
            assertFalse(methods.isEmpty());
            methods.forEach(m -> assertEquals("scram-sha-256", m, "pg_hba.conf: " + methods));
            try (Stream<Path> s = Files.list(data.getParent())) {
                assertEquals(List.of(), s.filter(f -> f.getFileName().toString().contains("pwfile")).toList(),
                        "initdb's password file is gone once the server is up");
            }
            assertNoCommandLineHolds(PASSWORD);
        }
    }

    @Test
    void aDataDirectoryAnEarlierVersionMadeTrustingGetsThePasswordOnItsFirstStart() throws Exception {
        Path data = tmp.resolve("data");
        int port = Loopback.freePort();
        // What earlier versions ran: zonky's own initdb (-A trust, no password) on a kept data directory.
        try (var legacy = PgBinaries.start(binaries(), b -> b.setDataDirectory(data).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).setPort(port).setServerConfig("listen_addresses", Loopback.HOST), n -> {})) {
            assertEquals(1, selectOne(port, "postgres"));
            assertEquals(AUTHENTICATION_OK, localSocketAuthentication(data, port), "trust: no password asked");
        }
        assertTrue(PostgresServer.trustsConnections(data));

        List<String> notes = new ArrayList<>();
        PostgresServer.Config config = new PostgresServer.Config(port, data, binaries(), false, PASSWORD);
        try (PostgresServer pg = PostgresServer.start(config, notes::add)) {
            assertTrue(notes.stream().anyMatch(n -> n.contains("trusted every local connection")), notes.toString());
            assertFalse(PostgresServer.trustsConnections(data));
            hbaMethods(data).forEach(m -> assertEquals("scram-sha-256", m));
            // The server reloads pg_hba.conf on a signal: new connections follow it a moment later.
            await().atMost(Duration.ofSeconds(30)).until(() -> refused(port, null));
            assertRefused(port);
            assertEquals(AUTHENTICATION_SASL, localSocketAuthentication(data, port));
            assertEquals(1, selectOne(port, PASSWORD));
            pg.jdbcUrl("registry");
        }
        // Once is enough: the next start finds nothing to move over, and the password still opens it.
        notes.clear();
        try (PostgresServer pg = PostgresServer.start(config, notes::add)) {
            assertEquals(List.of(), notes);
            assertEquals(1, selectOne(port, PASSWORD));
            assertRefused(port);
        }
    }

    @Test
    void aPasswordIsOneNonBlankLineAndConfigsNeverPrintIt() {
        for (String bad : new String[] {null, "", " ", "two\nlines"}) {
            assertThrows(IllegalArgumentException.class, () -> new PostgresServer.Config(0, tmp, tmp, true, bad));
        }
        assertFalse(new PostgresServer.Config(0, tmp, tmp, true, PASSWORD).toString().contains(PASSWORD));
    }

    private static int selectOne(int port, String password) throws SQLException {
        try (Connection c = PostgresServer.connect(port, PostgresServer.ADMIN_DATABASE, password);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select 1")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    /** Without a password and with a wrong one, TCP connections are refused. */
    private static void assertRefused(int port) {
        assertTrue(refused(port, null), "no password");
        assertTrue(refused(port, "postgres"), "the old fixed password");
        assertTrue(refused(port, PASSWORD + "x"), "a wrong password");
    }

    private static boolean refused(int port, String password) {
        String url = PostgresServer.url(port, PostgresServer.ADMIN_DATABASE);
        try (Connection c = password == null ? DriverManager.getConnection(url, PostgresServer.USER, null)
                : DriverManager.getConnection(url, PostgresServer.USER, password)) {
            return false;
        } catch (SQLException e) {
            String m = String.valueOf(e.getMessage());
            // 28P01: invalid_password; the driver refuses itself when SCRAM is asked and it has no password.
            return "28P01".equals(e.getSQLState()) || m.contains("no password was provided");
        }
    }

    /**
     * Opens the server's Unix socket (its directory is line 5 of postmaster.pid) and sends a startup message as the
     * superuser; returns the code of the AuthenticationRequest the server answers with.
     */
    private static int localSocketAuthentication(Path data, int port) throws IOException {
        List<String> pidFile = Files.readAllLines(data.resolve("postmaster.pid"));
        String dir = pidFile.get(4).trim().split(",")[0];
        assertFalse(dir.isEmpty(), "the server listens on a Unix socket: " + pidFile);
        Path socket = Path.of(dir, ".s.PGSQL." + port);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            byte[] params = ("user\0" + PostgresServer.USER + "\0database\0" + PostgresServer.ADMIN_DATABASE + "\0\0")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteBuffer startup = ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(3 << 16).put(params);
            startup.flip();
            while (startup.hasRemaining()) {
                ch.write(startup);
            }
            ByteBuffer reply = ByteBuffer.allocate(9);
            while (reply.hasRemaining() && ch.read(reply) >= 0) {
                // until the message type, its length and the request code are in
            }
            reply.flip();
            assertEquals('R', (char) reply.get(), "an AuthenticationRequest");
            reply.getInt();
            return reply.getInt();
        }
    }

    /** The method of every active pg_hba.conf line (its last word, there being no options). */
    private static List<String> hbaMethods(Path data) throws IOException {
        return Files.readAllLines(data.resolve("pg_hba.conf")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
    }

    /** No process this user can see carries {@code secret} on its command line (what ps shows every local user). */
    static void assertNoCommandLineHolds(String secret) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                assertFalse(cmdline.contains(secret), "the command line of pid " + p.getFileName() + " holds the password");
            }
        }
    }
}
