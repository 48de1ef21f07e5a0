package dev.sculptor.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pid a server reports is the postmaster's: a kill of it (TERM or KILL) stops the database. */
class PostgresServerTest {
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
        try (PostgresServer pg = PostgresServer.start(new PostgresServer.Config(0, data, binaries(), false), line -> {})) {
            int port = pg.port();
            long pid = pg.pid();
            assertNotEquals(ProcessHandle.current().pid(), pid, "not this JVM");
            assertEquals("postgres", processName(pid));
            assertEquals(OptionalLong.of(pid), PostgresServer.postmasterPid(data));
            assertTrue(pg.running());
            assertNull(Readiness.postgres(port));

            ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
            if (sigkill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !pg.running());
            await().atMost(Duration.ofSeconds(30)).until(() -> !Loopback.listening(port, 200));
            assertEquals("nothing listens on " + Loopback.HOST + ":" + port, Readiness.postgres(port));
            assertTrue(PostgresServer.postmasterPid(data).isEmpty(), "a postmaster.pid left by a kill names no live server");
        }
        assertFalse(PostgresServer.postmasterPid(tmp.resolve("nowhere")).isPresent());
    }
}
