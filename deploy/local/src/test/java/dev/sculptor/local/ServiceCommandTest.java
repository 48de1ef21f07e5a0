package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.local.ServiceDefs.Service;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aServiceGetsTheWiringThenItsOwnPropertiesAndTheTokenOnlyInItsEnvironment() {
        Layout l = new Layout(tmp);
        Service registry = new Service("model-registry", tmp.resolve("registry.jar"), 0, "/q/health/ready", "registry", "512m",
                List.of(), Map.of(), Map.of());
        Service pruning = new Service("pruning", tmp.resolve("pruning.jar"), 2, "/q/health/ready", null, "1g",
                List.of("-XX:+UseSerialGC"), Map.of("sculptor.registry.grpc", "127.0.0.1:${model-registry.port}"),
                Map.of("SCULPTOR_REGISTRY_TOKEN", "${admin.token}"));
        Map<String, OptionalLong> running = Map.of("kafka", OptionalLong.empty(), "s3", OptionalLong.empty(),
                "postgres", OptionalLong.empty(), "model-registry", OptionalLong.empty(), "pruning", OptionalLong.empty());
        PortPlan ports = PortPlan.choose(new PortPlan.Requested(null, null, null, null, null), running, new Properties(),
                List.of(registry, pruning));
        Wiring w = new Wiring(tmp, tmp, ports, "s3secret", PG_PASSWORD, new LinkedHashSet<>(List.of("registry")), TOKENS);

        ServiceCommand r = ServiceCommand.of(l, registry, w, "/djl");
        assertEquals(List.of(Procs.java(), "-Xmx512m", l.stateMarker(), "-Dsculptor.local.component=model-registry",
                "-Djava.io.tmpdir=" + tmp.resolve("tmp"),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=18081", "-Dquarkus.grpc.server.use-separate-server=false",
                "-Dkafka.bootstrap.servers=127.0.0.1:19092",
                "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:15432/registry",
                "-Dquarkus.datasource.username=postgres",
                "-Dsculptor.store.endpoint=http://127.0.0.1:19000", "-Dsculptor.store.access-key=sculptor",
                "-Dsculptor.store.bucket=sculptor", "-Dai.djl.offline=true",
                "-jar", tmp.resolve("registry.jar").toString()), r.command());
        assertEquals(Map.of("DJL_CACHE_DIR", "/djl", "SCULPTOR_AUTH_TOKENS", "admintoken:admin,writetoken:write,readtoken:read",
                "SCULPTOR_STORE_SECRET_KEY", "s3secret", "QUARKUS_DATASOURCE_PASSWORD", PG_PASSWORD), r.env());
        assertEquals(tmp.resolve("services/model-registry"), r.workDir());

        ServiceCommand p = ServiceCommand.of(l, pruning, w, "/djl");
        assertEquals(List.of(Procs.java(), "-Xmx1g", "-XX:+UseSerialGC"), p.command().subList(0, 3));
        assertTrue(p.command().contains("-Dsculptor.registry.grpc=127.0.0.1:18081"), p.command().toString());
        assertTrue(p.command().contains("-Dquarkus.http.port=18083"), p.command().toString());
        assertFalse(p.command().stream().anyMatch(a -> a.startsWith("-Dquarkus.datasource")), "no database, no datasource");
        assertEquals("admintoken", p.env().get("SCULPTOR_REGISTRY_TOKEN"));
        assertFalse(p.env().containsKey("QUARKUS_DATASOURCE_PASSWORD"));
    }

    static final Secrets.Tokens TOKENS = new Secrets.Tokens("admintoken", "writetoken", "readtoken");
    static final String PG_PASSWORD = "pgpassword";

    /** The shipped services.properties, started on a wiring whose secrets are easy to look for. */
    private List<ServiceCommand> shippedServices(Layout l, Wiring[] wiring) throws Exception {
        List<Service> services = ServiceDefs.load(Path.of("services.properties"), tmp);
        Map<String, OptionalLong> running = new java.util.HashMap<>();
        for (String c : List.of("kafka", "s3", "postgres")) {
            running.put(c, OptionalLong.empty());
        }
        services.forEach(s -> running.put(s.name(), OptionalLong.empty()));
        PortPlan ports = PortPlan.choose(new PortPlan.Requested(null, null, null, null, null), running, new Properties(), services);
        wiring[0] = new Wiring(tmp, tmp, ports, "s3secret", PG_PASSWORD, new LinkedHashSet<>(List.of("registry")), TOKENS);
        return services.stream().map(s -> ServiceCommand.of(l, s, wiring[0], "/djl")).toList();
    }

    @Test
    void everyShippedServiceGetsAllThreeTokensAndTheS3SecretInItsEnvironmentAndNoSecretOnItsCommandLine() throws Exception {
        Layout l = new Layout(tmp);
        Wiring[] w = new Wiring[1];
        List<ServiceCommand> commands = shippedServices(l, w);
        assertEquals(5, commands.size());
        for (ServiceCommand c : commands) {
            assertEquals("admintoken:admin,writetoken:write,readtoken:read", c.env().get("SCULPTOR_AUTH_TOKENS"), c.toString());
            assertEquals("s3secret", c.env().get("SCULPTOR_STORE_SECRET_KEY"));
            if (c.command().stream().anyMatch(a -> a.startsWith("-Dquarkus.datasource.jdbc.url="))) {
                assertEquals(PG_PASSWORD, c.env().get("QUARKUS_DATASOURCE_PASSWORD"), c.toString());
            }
            String line = String.join(" ", c.command());
            for (String secret : w[0].secrets()) {
                assertFalse(line.contains(secret), "a secret on the command line: " + line);
            }
            assertFalse(line.contains("password") || line.contains("secret-key") || line.contains("auth.tokens"), line);
        }
    }

    @Test
    void aSecretSmuggledOntoTheCommandLineIsRefused() throws Exception {
        Layout l = new Layout(tmp);
        Wiring[] w = new Wiring[1];
        shippedServices(l, w);
        Service leaky = new Service("scoring", tmp.resolve("leaky.jar"), 1, "/q/health/ready", null, "64m",
                List.of("-Dsome.key=admintoken"), Map.of(), Map.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServiceCommand.of(l, leaky,
                new Wiring(tmp, tmp, w[0].ports(), "s3secret", PG_PASSWORD, w[0].databases(), TOKENS), "/djl"));
        assertEquals("scoring: a secret would be on its command line (see its jvm-args)", e.getMessage());
        Service leakyDb = new Service("scoring", tmp.resolve("leaky.jar"), 1, "/q/health/ready", null, "64m",
                List.of("-Dsome.key=" + PG_PASSWORD), Map.of(), Map.of());
        assertThrows(IllegalStateException.class, () -> ServiceCommand.of(l, leakyDb, w[0], "/djl"), "the database password too");
    }

    @Test
    void upsReportAndEndpointsJsonNameWhereTheSecretsAreNotTheSecrets() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        Wiring[] w = new Wiring[1];
        shippedServices(l, w);
        List<Service> services = ServiceDefs.load(Path.of("services.properties"), tmp);
        StringWriter printed = new StringWriter();
        UpReport.print(new PrintWriter(printed), l, w[0], Map.of("postgres", 4242L), services, services, List.of(),
                Path.of("services.properties"));
        UpReport.writeEndpoints(l, w[0], services);
        String endpoints = Files.readString(l.endpointsFile());
        for (String secret : w[0].secrets()) {
            assertFalse(printed.toString().contains(secret), printed.toString());
            assertFalse(endpoints.contains(secret), endpoints);
        }
        assertFalse(printed.toString().replace("password in " + l.postgresPasswordFile(), "").contains("password"),
                "the report names the password's file only: " + printed);
        for (String role : Secrets.ROLES) {
            assertTrue(printed.toString().lines().anyMatch(line -> line.matches("  " + role + " token +" + l.tokenFile(role))),
                    printed.toString());
        }
        assertTrue(printed.toString().contains("secret key in " + l.s3CredentialFile()), printed.toString());
        assertTrue(printed.toString().contains("password in " + l.postgresPasswordFile()), printed.toString());
        assertTrue(printed.toString().contains("(server pid 4242)"), printed.toString());
        JsonObject ep = JsonParser.parseString(endpoints).getAsJsonObject();
        assertEquals(l.tokenFile("write").toString(), ep.getAsJsonObject("tokenFiles").get("write").getAsString());
        assertEquals(l.s3CredentialFile().toString(), ep.getAsJsonObject("s3").get("secretKeyFile").getAsString());
        assertEquals(l.postgresPasswordFile().toString(), ep.getAsJsonObject("postgres").get("passwordFile").getAsString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(l.endpointsFile())));
    }
}
