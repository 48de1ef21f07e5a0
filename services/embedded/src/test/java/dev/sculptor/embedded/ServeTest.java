package dev.sculptor.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeTest {
    @TempDir
    Path tmp;

    @Test
    void optionsAreNameValuePairsInOrder() {
        assertEquals(Map.of("port", "19092", "data", "/d"), Serve.options(List.of("--port", "19092", "--data", "/d")));
        assertEquals(List.of("a", "b"), List.copyOf(Serve.options(List.of("--a", "1", "--b", "2")).keySet()));
        IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class, () -> Serve.options(List.of("--port")));
        assertTrue(dangling.getMessage().contains("--port"), dangling.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Serve.options(List.of("port", "1")));
    }

    @Test
    void partitionsBecomeTheBrokersNumPartitions() {
        assertEquals(Map.of(), Serve.brokerOverrides(Map.of("port", "1")));
        assertEquals(Map.of("num.partitions", "3"), Serve.brokerOverrides(Map.of("partitions", "3")));
        for (String bad : List.of("0", "three")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Serve.brokerOverrides(Map.of("partitions", bad)));
            assertEquals("--partitions must be a whole number of at least 1, got '" + bad + "'", e.getMessage());
        }
    }

    @Test
    void unknownPartsAndMissingOptionsAreRefusedBeforeAnythingStarts() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Serve.start("redis", Map.of("port", "1", "data", tmp.toString())));
        assertTrue(unknown.getMessage().contains("redis"), unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Serve.start("kafka", Map.of("port", "1", "data", tmp.toString())));
        assertEquals("--controller-port is required", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Serve.start("s3", Map.of("data", tmp.toString())));
        IllegalArgumentException noPassword = assertThrows(IllegalArgumentException.class,
                () -> Serve.start("postgres", Map.of("port", "1", "data", tmp.toString(), "binaries", tmp.toString())));
        assertEquals("--password-file is required", noPassword.getMessage());
    }

    @Test
    void servePostgresNamesThePostmasterInItsReadyFileAndExitsWhenTheServerIsKilled() throws Exception {
        Path ready = tmp.resolve("ready");
        Path passwordFile = tmp.resolve("pg.password");
        Files.writeString(passwordFile, "serve-test-password\n");
        int port = Loopback.freePort();
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), Serve.class.getName(), "postgres",
                "--port", Integer.toString(port), "--data", tmp.resolve("data").toString(),
                "--binaries", PostgresServerTest.binaries().toString(), "--password-file", passwordFile.toString(),
                "--ready", ready.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> Files.exists(ready) || !serve.isAlive());
            assertTrue(serve.isAlive(), () -> "Serve exited: " + log());
            long postmaster = Long.parseLong(Files.readString(ready).trim());
            assertEquals("postgres", PostgresServerTest.processName(postmaster));
            assertNotEquals(serve.pid(), postmaster);
            assertNull(Readiness.postgres(port, "serve-test-password"), "the password comes from --password-file");

            ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), () -> "Serve outlived its server: " + log());
            assertTrue(log().contains("Serve: the PostgreSQL server (pid " + postmaster + ") is gone"), this::log);
            assertEquals("nothing listens on " + Loopback.HOST + ":" + port, Readiness.postgres(port, "serve-test-password"));
        } finally {
            serve.destroyForcibly();
        }
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("serve.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
