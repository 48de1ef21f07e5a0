package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceDefsTest {
    @TempDir
    Path tmp;

    @Test
    void readsServicesInOrderWithDefaults() throws Exception {
        Path f = tmp.resolve("services.properties");
        Files.writeString(f, String.join("\n",
                "services=model-registry, pruning",
                "model-registry.jar=services/model-registry/target/quarkus-app/quarkus-run.jar",
                "model-registry.database=registry",
                "pruning.jar=services/pruning/target/quarkus-app/quarkus-run.jar",
                "pruning.port-offset=5",
                "pruning.health=/health",
                "pruning.xmx=256m",
                "pruning.jvm-args=-XX:+UseSerialGC -Dx=y",
                "pruning.sysprop.sculptor.registry=127.0.0.1:${model-registry.port}",
                "pruning.env.FOO=${state}/foo",
                "ignored.jar=x.jar"));
        List<ServiceDefs.Service> s = ServiceDefs.load(f, tmp);
        assertEquals(2, s.size());
        ServiceDefs.Service reg = s.get(0);
        assertEquals("model-registry", reg.name());
        assertEquals(tmp.resolve("services/model-registry/target/quarkus-app/quarkus-run.jar"), reg.jar());
        assertEquals(0, reg.portOffset());
        assertEquals("/q/health/ready", reg.health());
        assertEquals("registry", reg.database());
        assertEquals("512m", reg.xmx());
        ServiceDefs.Service pr = s.get(1);
        assertEquals(5, pr.portOffset());
        assertEquals("/health", pr.health());
        assertNull(pr.database());
        assertEquals(List.of("-XX:+UseSerialGC", "-Dx=y"), pr.jvmArgs());
        assertEquals(Map.of("sculptor.registry", "127.0.0.1:${model-registry.port}"), pr.sysprops());
        assertEquals("127.0.0.1:18081", ServiceDefs.expand(pr.sysprops().get("sculptor.registry"), Map.of("model-registry.port", "18081")));
        assertThrows(IllegalArgumentException.class, () -> ServiceDefs.expand("${nope}", Map.of()));
    }

    @Test
    void missingFileMeansNoServicesAndBadEntriesAreErrors() throws Exception {
        assertEquals(List.of(), ServiceDefs.load(tmp.resolve("absent"), tmp));
        Path f = tmp.resolve("bad.properties");
        Files.writeString(f, "services=a\n");
        assertThrows(IllegalArgumentException.class, () -> ServiceDefs.load(f, tmp));
        Files.writeString(f, "services=kafka\nkafka.jar=x.jar\n");
        assertThrows(IllegalArgumentException.class, () -> ServiceDefs.load(f, tmp));
    }

    @Test
    void aTokenIsRefusedInASystemPropertyAndAllowedInTheEnvironment() throws Exception {
        Path f = tmp.resolve("tokens.properties");
        Files.writeString(f, "services=a\na.jar=a.jar\na.env.SCULPTOR_REGISTRY_TOKEN=${write.token}\n");
        assertEquals(Map.of("SCULPTOR_REGISTRY_TOKEN", "${write.token}"), ServiceDefs.load(f, tmp).get(0).env());
        Files.writeString(f, "services=a\na.jar=a.jar\na.sysprop.sculptor.registry.token=${read.token}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceDefs.load(f, tmp));
        assertEquals(f + ": a.sysprop.sculptor.registry.token names a token, which would be on the command line for every"
                + " local user to read; pass it as a.env.VARIABLE instead", e.getMessage());
    }

    @Test
    void theShippedServiceListParsesAndNamesModelRegistryFirst() throws Exception {
        Path shipped = Path.of("services.properties");
        List<ServiceDefs.Service> s = ServiceDefs.load(shipped, tmp);
        assertEquals("model-registry", s.get(0).name());
        assertEquals("registry", s.get(0).database());
    }
}
