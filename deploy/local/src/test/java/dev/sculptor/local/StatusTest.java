package dev.sculptor.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code status --json}: the stable machine-readable form; {@code --require}: the exit status scripts decide on. */
class StatusTest {
    @TempDir
    Path tmp;

    record Result(int rc, String out) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = LocalStack.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int rc = cl.execute(args);
        return new Result(rc, out.toString());
    }

    private Path services(Path fakeJar) throws Exception {
        Files.createDirectories(fakeJar.getParent());
        Files.writeString(fakeJar, "not really a jar");
        Path f = tmp.resolve("services.properties");
        Files.writeString(f, String.join("\n", "services=fake,absent", "fake.jar=" + fakeJar, "fake.port-offset=0",
                "absent.jar=services/absent/target/quarkus-app/quarkus-run.jar", "absent.port-offset=1", ""));
        return f;
    }

    private static JsonObject component(JsonObject status, String name) {
        for (JsonElement e : status.getAsJsonArray("components")) {
            if (e.getAsJsonObject().get("component").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        return fail(name + " not in " + status);
    }

    @Test
    void jsonOfAStoppedStackNamesEveryComponentWithStableFields() throws Exception {
        Path state = tmp.resolve("state");
        Path svc = services(tmp.resolve("fake/fake.jar"));
        Result r = run("status", "--json", "--state-dir", state.toString(), "--services", svc.toString(), "--repo", tmp.toString());
        assertEquals(3, r.rc(), r.out());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(state.toAbsolutePath().normalize().toString(), o.get("stateDir").getAsString());
        assertFalse(o.get("infraHealthy").getAsBoolean());
        JsonArray cs = o.getAsJsonArray("components");
        assertEquals(List.of("kafka", "s3", "postgres", "fake", "absent"),
                cs.asList().stream().map(e -> e.getAsJsonObject().get("component").getAsString()).toList());
        for (JsonElement e : cs) {
            assertEquals(new TreeSet<>(Set.of("component", "state", "running", "pid", "port", "health", "healthy", "problem")),
                    new TreeSet<>(e.getAsJsonObject().keySet()), "every field present, null or not: " + e);
        }
        JsonObject kafka = component(o, "kafka");
        assertEquals("stopped", kafka.get("state").getAsString());
        assertFalse(kafka.get("running").getAsBoolean());
        assertTrue(kafka.get("pid").isJsonNull());
        assertEquals(PortPlan.DEFAULT_KAFKA_PORT, kafka.get("port").getAsInt());
        assertTrue(kafka.get("health").isJsonNull());
        assertEquals("not built", component(o, "absent").get("state").getAsString());
        assertTrue(o.get("adminTokenFile").isJsonNull());
        assertEquals(Set.of("admin", "write", "read"), o.getAsJsonObject("tokenFiles").keySet());
        assertTrue(o.getAsJsonObject("tokenFiles").get("read").isJsonNull(), "no stack yet, no token");
        assertTrue(o.get("postgresPasswordFile").isJsonNull(), "no stack yet, no database password");
        assertEquals(PortPlan.DEFAULT_PORT_BASE + 1, component(o, "absent").get("port").getAsInt());
    }

    @Test
    void statusNamesEachTokensFileAndShowsNoSecret() throws Exception {
        Path state = tmp.resolve("state");
        Layout l = Layout.create(state);
        Secrets.Tokens tokens = Secrets.tokens(l);
        String s3 = Secrets.s3SecretKey(l);
        String pg = Secrets.postgresPassword(l);
        Path svc = services(tmp.resolve("fake/fake.jar"));
        String[] common = {"--state-dir", state.toString(), "--services", svc.toString(), "--repo", tmp.toString()};
        Result table = run(concat(new String[] {"status"}, common));
        Result json = run(concat(new String[] {"status", "--json"}, common));
        for (String role : Secrets.ROLES) {
            assertTrue(table.out().contains("  " + role + " token: " + l.tokenFile(role)), table.out());
        }
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals(l.tokenFile("read").toString(), o.getAsJsonObject("tokenFiles").get("read").getAsString());
        assertEquals(l.adminTokenFile().toString(), o.get("adminTokenFile").getAsString());
        assertTrue(table.out().contains("  database password: " + l.postgresPasswordFile()), table.out());
        assertEquals(l.postgresPasswordFile().toString(), o.get("postgresPasswordFile").getAsString());
        for (String secret : List.of(tokens.admin(), tokens.write(), tokens.read(), s3, pg)) {
            assertFalse(table.out().contains(secret) || json.out().contains(secret), "status shows a secret");
        }
    }

    @Test
    void requireAnswersForTheNamedComponentsOnly() throws Exception {
        Path state = tmp.resolve("state");
        Layout l = Layout.create(state);
        Path svc = services(tmp.resolve("fake/fake.jar"));
        int port = PortsTest.freePorts(1)[0];
        Properties p = new Properties();
        p.setProperty("service.fake.port", Integer.toString(port));
        l.saveStack(p);
        String classes = Path.of(FakeService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        long pid = Procs.spawn(l, "fake", List.of(Procs.java(), "-Xmx32m", "-XX:+UseSerialGC", l.stateMarker(),
                Layout.componentMarker("fake"), "-Dquarkus.http.port=" + port, "-cp", classes, FakeService.class.getName()),
                Map.of(), tmp);
        try {
            await("the fake service comes up").atMost(Duration.ofSeconds(30)).until(() -> Health.http(port, "/q/health/ready") == null);
            String[] common = {"--state-dir", state.toString(), "--services", svc.toString(), "--repo", tmp.toString()};
            Result r = run(concat(new String[] {"status", "--json", "--require", "fake"}, common));
            assertEquals(0, r.rc(), r.out());
            JsonObject fake = component(JsonParser.parseString(r.out()).getAsJsonObject(), "fake");
            assertEquals("running", fake.get("state").getAsString());
            assertTrue(fake.get("running").getAsBoolean());
            assertEquals(pid, fake.get("pid").getAsLong());
            assertEquals(port, fake.get("port").getAsInt());
            assertEquals("healthy", fake.get("health").getAsString());
            assertTrue(fake.get("healthy").getAsBoolean());
            assertTrue(fake.get("problem").isJsonNull());

            Result quiet = run(concat(new String[] {"status", "-q", "--require", "fake"}, common));
            assertEquals(0, quiet.rc(), quiet.out());
            assertEquals("", quiet.out());
            // Kafka is not running: requiring it (or nothing: the infrastructure by default) answers 3.
            assertEquals(3, run(concat(new String[] {"status", "-q", "--require", "fake,kafka"}, common)).rc());
            assertEquals(3, run(concat(new String[] {"status", "-q"}, common)).rc());
            assertEquals(3, run(concat(new String[] {"status", "-q", "--require", "no-such-service"}, common)).rc());
            // The table is the same model.
            Result table = run(concat(new String[] {"status"}, common));
            assertTrue(table.out().lines().anyMatch(line -> line.trim().startsWith("fake ") && line.contains("running")
                    && line.contains(Long.toString(pid)) && line.contains("healthy")), table.out());
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
