package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsTest {
    @TempDir
    Path tmp;

    Path repo;
    Path jar;

    @BeforeEach
    void fakeRepo() throws IOException {
        repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("cli/target/lib"));
        Files.writeString(repo.resolve("sculptor"), "#!/bin/sh\n");
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        jar = repo.resolve("cli/target/sculptor-cli.jar");
        Files.writeString(jar, "");
    }

    private static void endpoints(Path stateDir, String json) throws IOException {
        Files.createDirectories(stateDir);
        Files.writeString(stateDir.resolve("endpoints.json"), json);
    }

    private static String local(String grpc, String token) {
        return "{\"stateDir\": \"/x\", \"adminToken\": \"" + token + "\", \"kafka\": {\"bootstrapServers\": \"127.0.0.1:19092\"},"
                + " \"services\": {\"model-registry\": {\"grpc\": \"" + grpc + "\", \"http\": \"http://" + grpc + "\"}}}";
    }

    @Test
    void repoIsFoundFromTheJarLocation() {
        assertEquals(repo, Endpoints.repo(Map.of(), jar));
        assertEquals(repo.resolve(".sculptor/local"), Endpoints.stateDir(Map.of(), jar));
        // Without the marker files: three levels above the jar (<repo>/cli/target/sculptor-cli.jar).
        Path other = tmp.resolve("elsewhere/cli/target/sculptor-cli.jar");
        assertEquals(tmp.resolve("elsewhere"), Endpoints.repo(Map.of(), other));
        assertEquals(tmp.resolve("root"), Endpoints.repo(Map.of("SCULPTOR_ROOT", tmp.resolve("root").toString()), jar));
    }

    @Test
    void sculptorHomeWins() {
        assertEquals(tmp.resolve("home/local"), Endpoints.stateDir(Map.of("SCULPTOR_HOME", tmp.resolve("home").toString()), jar));
    }

    @Test
    void endpointsJsonOfTheRepo() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), local("127.0.0.1:18081", "abc"));
        Endpoints.Target t = Endpoints.resolve(null, null, Map.of(), jar);
        assertEquals("127.0.0.1", t.host());
        assertEquals(18081, t.port());
        assertEquals("abc", t.token());
        assertEquals(repo.resolve(".sculptor/local/endpoints.json").toString(), t.source());
        assertTrue(t.loopback());
    }

    @Test
    void endpointsJsonOfSculptorHome() throws IOException {
        endpoints(tmp.resolve("home/local"), local("127.0.0.1:28081", "def"));
        endpoints(repo.resolve(".sculptor/local"), local("127.0.0.1:18081", "abc"));
        Endpoints.Target t = Endpoints.resolve(null, null, Map.of("SCULPTOR_HOME", tmp.resolve("home").toString()), jar);
        assertEquals(28081, t.port());
        assertEquals("def", t.token());
    }

    @Test
    void flagsBeatEnvironmentBeatsFile() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), local("127.0.0.1:18081", "abc"));
        Map<String, String> env = new HashMap<>(Map.of("SCULPTOR_ENDPOINT", "registry.example:443", "SCULPTOR_TOKEN", "envtok"));
        Endpoints.Target t = Endpoints.resolve(null, null, env, jar);
        assertEquals("registry.example", t.host());
        assertEquals(443, t.port());
        assertEquals("envtok", t.token());
        assertEquals("SCULPTOR_ENDPOINT", t.source());

        t = Endpoints.resolve("other:9000", "flagtok", env, jar);
        assertEquals("other", t.host());
        assertEquals(9000, t.port());
        assertEquals("flagtok", t.token());
        assertEquals("--endpoint", t.source());

        // A token alone from the environment, endpoint from the file.
        t = Endpoints.resolve(null, null, Map.of("SCULPTOR_TOKEN", "envtok"), jar);
        assertEquals(18081, t.port());
        assertEquals("envtok", t.token());
    }

    @Test
    void theLocalAdminTokenGoesOnlyToTheLocalRegistry() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), local("127.0.0.1:18081", "abc"));
        assertEquals("abc", Endpoints.resolve("localhost:18081", null, Map.of(), jar).token());
        assertEquals("abc", Endpoints.resolve("127.0.0.1:18081", null, Map.of(), jar).token());
        assertNull(Endpoints.resolve("127.0.0.1:18082", null, Map.of(), jar).token());
        assertNull(Endpoints.resolve("registry.example:18081", null, Map.of(), jar).token());
    }

    /** An endpoints.json as ./sculptor up writes it: tokens in files of their own, named by role. */
    private String withTokenFiles(String grpc, String... roles) throws IOException {
        Path secrets = Files.createDirectories(tmp.resolve("secrets"));
        StringBuilder files = new StringBuilder();
        for (String role : roles) {
            Files.writeString(secrets.resolve(role + ".token"), role + "-token\n");
            files.append(files.length() == 0 ? "" : ", ").append('"').append(role).append("\": \"")
                    .append(secrets.resolve(role + ".token")).append('"');
        }
        return "{\"tokenFiles\": {" + files + "}, \"services\": {\"model-registry\": {\"grpc\": \"" + grpc + "\"}}}";
    }

    @Test
    void readsGetTheLocalReadTokenAndTheRestTheAdminToken() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), withTokenFiles("127.0.0.1:18081", "admin", "write", "read"));
        String registry = Endpoints.MODEL_REGISTRY;
        assertEquals("read-token", Endpoints.resolve(registry, "--endpoint", null, null, Map.of(), jar, Endpoints.READ).token());
        assertEquals("admin-token", Endpoints.resolve(registry, "--endpoint", null, null, Map.of(), jar, Endpoints.ADMIN).token());
        assertEquals("admin-token", Endpoints.resolve(null, null, Map.of(), jar).token());
        assertEquals("read-token", Endpoints.resolve(registry, "--endpoint", "localhost:18081", null, Map.of(), jar, Endpoints.READ)
                .token());
        assertNull(Endpoints.resolve(registry, "--endpoint", "registry.example:18081", null, Map.of(), jar, Endpoints.READ).token());
        assertEquals("mine", Endpoints.resolve(registry, "--endpoint", null, "mine", Map.of(), jar, Endpoints.READ).token());
    }

    @Test
    void withoutAReadTokenReadsUseTheAdminTokenAndAnUnreadableTokenFileIsNamed() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), withTokenFiles("127.0.0.1:18081", "admin"));
        assertEquals("admin-token", Endpoints.resolve(Endpoints.MODEL_REGISTRY, "--endpoint", null, null, Map.of(), jar,
                Endpoints.READ).token());
        Files.delete(tmp.resolve("secrets/admin.token"));
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of(), jar));
        assertTrue(e.getMessage().startsWith("cannot read the local stack's admin token from " + tmp.resolve("secrets/admin.token")
                + " (named by " + repo.resolve(".sculptor/local/endpoints.json") + "): "), e.getMessage());
    }

    @Test
    void noEndpointsJsonSaysToStartTheStack() {
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of(), jar));
        assertEquals(CliException.FAILURE, e.code());
        assertEquals("no local stack found (" + repo.resolve(".sculptor/local/endpoints.json")
                + " does not exist): start it with ./sculptor up, or pass --endpoint host:port (or set SCULPTOR_ENDPOINT)",
                e.getMessage());
    }

    @Test
    void aStackWithoutTheRegistry() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), "{\"adminToken\": \"abc\", \"services\": {}}");
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of(), jar));
        assertTrue(e.getMessage().contains("does not run the model registry"), e.getMessage());
    }

    @Test
    void damagedEndpointsJson() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), "{not json");
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of(), jar));
        assertTrue(e.getMessage().startsWith(repo.resolve(".sculptor/local/endpoints.json") + ": not valid JSON"), e.getMessage());
        // Given an endpoint, a damaged file only costs the token.
        assertNull(Endpoints.resolve("127.0.0.1:1", null, Map.of(), jar).token());
    }

    @Test
    void endpointShapes() {
        assertEquals("::1", Endpoints.resolve("[::1]:50051", "t", Map.of(), jar).host());
        assertEquals("[::1]:50051", Endpoints.resolve("[::1]:50051", "t", Map.of(), jar).address());
        assertEquals("h", Endpoints.resolve("http://h:80/", "t", Map.of(), jar).host());
        for (String bad : new String[] {"host", "host:", ":80", "host:0", "host:65536", "host:x", "a/b:1"}) {
            CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(bad, "t", Map.of(), jar), bad);
            assertEquals(CliException.USAGE, e.code());
            assertEquals("--endpoint must be host:port, got '" + bad + "'", e.getMessage());
        }
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of("SCULPTOR_ENDPOINT", "nope"), jar));
        assertEquals("SCULPTOR_ENDPOINT must be host:port, got 'nope'", e.getMessage());
        assertFalse(Endpoints.resolve("registry.example:443", "t", Map.of(), jar).loopback());
    }

    /** An endpoints.json as ./sculptor up writes it, with every service of the local stack. */
    private static final String STACK = "{\"stateDir\": \"/x\", \"adminToken\": \"abc\","
            + " \"kafka\": {\"bootstrapServers\": \"127.0.0.1:19092\"}, \"services\": {"
            + "\"model-registry\": {\"grpc\": \"127.0.0.1:18081\", \"http\": \"http://127.0.0.1:18081\", \"database\": \"registry\"},"
            + " \"scoring\": {\"grpc\": \"127.0.0.1:18082\", \"http\": \"http://127.0.0.1:18082\"},"
            + " \"pruning\": {\"grpc\": \"127.0.0.1:18083\", \"http\": \"http://127.0.0.1:18083\", \"database\": \"pruning\"},"
            + " \"training\": {\"grpc\": \"127.0.0.1:18084\", \"http\": \"http://127.0.0.1:18084\"}}}";

    @Test
    void anyServiceOfTheLocalStack() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), STACK);
        Endpoints.Target p = Endpoints.resolve("pruning", "--endpoint", null, null, Map.of(), jar);
        assertEquals("pruning", p.service());
        assertEquals("127.0.0.1:18083", p.address());
        assertEquals("abc", p.token());
        assertEquals("the pruning service", p.label());
        Endpoints.Target t = Endpoints.resolve("training", "--endpoint", null, null, Map.of(), jar);
        assertEquals(18084, t.port());
        assertEquals("the training service", t.label());
        // The models commands keep resolving as before.
        Endpoints.Target m = Endpoints.resolve(null, null, Map.of(), jar);
        assertEquals("model-registry", m.service());
        assertEquals(18081, m.port());
        assertEquals("the model registry", m.label());
    }

    @Test
    void eachServiceHasItsOwnVariable() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), STACK);
        assertEquals("SCULPTOR_MODEL_REGISTRY_ENDPOINT", Endpoints.envVariable("model-registry"));
        Map<String, String> env = Map.of("SCULPTOR_PRUNING_ENDPOINT", "pruning.example:443", "SCULPTOR_ENDPOINT", "registry.example:443");
        Endpoints.Target p = Endpoints.resolve("pruning", "--endpoint", null, null, env, jar);
        assertEquals("pruning.example", p.host());
        assertEquals("SCULPTOR_PRUNING_ENDPOINT", p.source());
        assertNull(p.token(), "not a local-stack endpoint: no admin token");
        // SCULPTOR_ENDPOINT is the registry's (as it always was), not every service's.
        assertEquals(18084, Endpoints.resolve("training", "--endpoint", null, null, env, jar).port());
        assertEquals("registry.example", Endpoints.resolve(null, null, env, jar).host());
        Map<String, String> both = Map.of("SCULPTOR_MODEL_REGISTRY_ENDPOINT", "a:1", "SCULPTOR_ENDPOINT", "b:2");
        assertEquals("a", Endpoints.resolve(null, null, both, jar).host());
        CliException e = assertThrows(CliException.class,
                () -> Endpoints.resolve("training", "--training-endpoint", null, null, Map.of("SCULPTOR_TRAINING_ENDPOINT", "x"), jar));
        assertEquals("SCULPTOR_TRAINING_ENDPOINT must be host:port, got 'x'", e.getMessage());
    }

    @Test
    void theAdminTokenGoesToAnyEndpointOfTheLocalStackOnly() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), STACK);
        assertEquals("abc", Endpoints.resolve("pruning", "--pruning-endpoint", "localhost:18083", null, Map.of(), jar).token());
        assertNull(Endpoints.resolve("pruning", "--pruning-endpoint", "127.0.0.1:18090", null, Map.of(), jar).token());
        assertNull(Endpoints.resolve("pruning", "--pruning-endpoint", "pruning.example:18083", null, Map.of(), jar).token());
        assertEquals("t", Endpoints.resolve("pruning", "--pruning-endpoint", "pruning.example:18083", "t", Map.of(), jar).token());
        assertEquals("--pruning-endpoint", Endpoints.resolve("pruning", "--pruning-endpoint", "h:1", null, Map.of(), jar).source());
    }

    @Test
    void aServiceTheStackDoesNotRun() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), local("127.0.0.1:18081", "abc"));
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve("pruning", "--endpoint", null, null, Map.of(), jar));
        assertEquals(CliException.FAILURE, e.code());
        assertEquals("the local stack (" + repo.resolve(".sculptor/local/endpoints.json") + ") does not run the pruning service"
                + " (it runs model-registry): see ./sculptor status, or pass --endpoint host:port", e.getMessage());
        e = assertThrows(CliException.class, () -> Endpoints.resolve("pruning", "--endpoint", null, null, Map.of("SCULPTOR_HOME",
                tmp.resolve("none").toString()), jar));
        assertTrue(e.getMessage().endsWith("or pass --endpoint host:port (or set SCULPTOR_PRUNING_ENDPOINT)"), e.getMessage());
    }

    @Test
    void aMalformedEndpointInTheFileNamesIt() throws IOException {
        endpoints(repo.resolve(".sculptor/local"), "{\"services\": {\"pruning\": {\"grpc\": \"nope\"}}}");
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve("pruning", "--endpoint", null, null, Map.of(), jar));
        assertEquals(repo.resolve(".sculptor/local/endpoints.json") + ": services.pruning.grpc must be host:port, got 'nope'",
                e.getMessage());
    }
}
