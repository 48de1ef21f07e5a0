package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.local.ServiceDefs.Service;
import java.nio.file.Path;
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
        Wiring w = new Wiring(tmp, tmp, ports, "s3secret", new LinkedHashSet<>(List.of("registry")), "admintoken");

        ServiceCommand r = ServiceCommand.of(l, registry, w, "/djl");
        assertEquals(List.of(Procs.java(), "-Xmx512m", l.stateMarker(), "-Dsculptor.local.component=model-registry",
                "-Djava.io.tmpdir=" + tmp.resolve("tmp"),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=18081", "-Dquarkus.grpc.server.use-separate-server=false",
                "-Dkafka.bootstrap.servers=127.0.0.1:19092",
                "-Dquarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:15432/registry",
                "-Dquarkus.datasource.username=postgres", "-Dquarkus.datasource.password=postgres",
                "-Dsculptor.store.endpoint=http://127.0.0.1:19000", "-Dsculptor.store.access-key=sculptor",
                "-Dsculptor.store.secret-key=s3secret", "-Dsculptor.store.bucket=sculptor",
                "-Dsculptor.auth.tokens=admintoken:admin", "-Dai.djl.offline=true",
                "-jar", tmp.resolve("registry.jar").toString()), r.command());
        assertEquals(Map.of("DJL_CACHE_DIR", "/djl"), r.env());
        assertEquals(tmp.resolve("services/model-registry"), r.workDir());

        ServiceCommand p = ServiceCommand.of(l, pruning, w, "/djl");
        assertEquals(List.of(Procs.java(), "-Xmx1g", "-XX:+UseSerialGC"), p.command().subList(0, 3));
        assertTrue(p.command().contains("-Dsculptor.registry.grpc=127.0.0.1:18081"), p.command().toString());
        assertTrue(p.command().contains("-Dquarkus.http.port=18083"), p.command().toString());
        assertFalse(p.command().stream().anyMatch(a -> a.startsWith("-Dquarkus.datasource")), "no database, no datasource");
        assertEquals("admintoken", p.env().get("SCULPTOR_REGISTRY_TOKEN"));
    }
}
