package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.local.ServiceDefs.Service;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PortPlanTest {
    private static final PortPlan.Requested NONE = new PortPlan.Requested(null, null, null, null, null);
    private static final List<Service> SERVICES = List.of(service("model-registry", 0), service("pruning", 2));

    private static Service service(String name, int offset) {
        return new Service(name, Path.of(name + ".jar"), offset, "/q/health/ready", null, "512m", List.of(), Map.of(), Map.of());
    }

    private static Map<String, OptionalLong> running(String... names) {
        Map<String, OptionalLong> m = new LinkedHashMap<>();
        for (String c : List.of("kafka", "s3", "postgres", "model-registry", "pruning")) {
            m.put(c, List.of(names).contains(c) ? OptionalLong.of(4242) : OptionalLong.empty());
        }
        return m;
    }

    @Test
    void defaultsWhenNothingRunsAndNothingIsAsked() {
        PortPlan p = PortPlan.choose(NONE, running(), new Properties(), SERVICES);
        assertEquals(List.of(), p.errors);
        assertEquals(19092, p.kafka);
        assertEquals(19093, p.kafkaController);
        assertEquals(19000, p.s3);
        assertEquals(15432, p.postgres);
        assertEquals(Map.of("model-registry", 18081, "pruning", 18083), p.services);
        Properties saved = p.toProperties();
        assertEquals("18083", saved.getProperty("service.pruning.port"));
        assertEquals("18081", saved.getProperty("services.port-base"));
    }

    @Test
    void flagsMoveWhatIsStoppedAndTheControllerFollowsKafka() {
        PortPlan p = PortPlan.choose(new PortPlan.Requested(29092, null, 29000, 25432, 28000), running(), new Properties(), SERVICES);
        assertEquals(29093, p.kafkaController);
        assertEquals(Map.of("model-registry", 28000, "pruning", 28002), p.services);
    }

    @Test
    void aRunningComponentKeepsItsSavedPortAndMovingItIsAnError() {
        Properties saved = new Properties();
        saved.setProperty("kafka.port", "29092");
        saved.setProperty("kafka.controller-port", "29093");
        saved.setProperty("services.port-base", "28000");
        saved.setProperty("service.pruning.port", "28002");
        PortPlan kept = PortPlan.choose(NONE, running("kafka", "pruning"), saved, SERVICES);
        assertEquals(List.of(), kept.errors);
        assertEquals(29092, kept.kafka);
        assertEquals(28002, kept.services.get("pruning"));
        assertEquals(28000, kept.services.get("model-registry"), "a stopped service follows the saved base of running ones");

        PortPlan moved = PortPlan.choose(new PortPlan.Requested(39092, null, null, null, null), running("kafka"), saved, SERVICES);
        assertEquals(List.of("kafka is already running on port 29092 (pid 4242); run `down` before moving it to 39092 (--kafka-port)"),
                moved.errors);
    }

    @Test
    void invalidSharedAndBusyPortsAreOneLineErrorsNamingTheFlag() {
        PortPlan invalid = PortPlan.choose(new PortPlan.Requested(null, null, 70000, null, null), running(), new Properties(), SERVICES);
        assertEquals(List.of("port 70000 (s3) is not a valid port (--s3-port)"), invalid.errors);

        PortPlan shared = PortPlan.choose(new PortPlan.Requested(null, null, 15432, null, null), running(), new Properties(), SERVICES);
        shared.checkFree(running(), SERVICES, s -> true, port -> true);
        assertEquals(List.of("port 15432 is given to both s3 and postgres (--postgres-port)"), shared.errors);

        PortPlan busy = PortPlan.choose(NONE, running("postgres"), new Properties(), SERVICES);
        busy.checkFree(running("postgres"), SERVICES, s -> s.name().equals("pruning"), port -> port != 15432 && port != 18083);
        assertEquals(List.of("port 18083 (pruning) is already in use by another process; stop it or choose another port with --port-base"),
                busy.errors, "postgres holds its own port; an unbuilt service claims none");
    }

    @Test
    void statusReadsTheSavedPortsElseTheDefaults() {
        Properties saved = new Properties();
        saved.setProperty("s3.port", "29000");
        saved.setProperty("services.port-base", "not a number");
        PortPlan p = PortPlan.saved(saved, SERVICES);
        assertEquals(29000, p.s3);
        assertEquals(19092, p.kafka);
        assertEquals(18083, p.services.get("pruning"));
        assertTrue(p.errors.isEmpty());
    }
}
