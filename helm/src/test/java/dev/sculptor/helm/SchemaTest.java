package dev.sculptor.helm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** values.schema.json: helm refuses wrong types, unknown keys and impossible values before rendering anything. */
class SchemaTest {

    @Test
    void aWrongTypeIsRefused() {
        assertRefused(Map.of("registry.replicas", "two"), "/registry/replicas", "want integer");
        assertRefused(Map.of("networkPolicy.enabled", "maybe"), "/networkPolicy/enabled", "want boolean");
        assertRefused(Map.of("training.runs.gpus", "-1"), "/training/runs/gpus", "minimum");
    }

    @Test
    void anUnknownKeyIsRefusedAtEveryLevel() {
        assertRefused(Map.of("registyr.replicas", "2"), "additional properties 'registyr'", "");
        assertRefused(Map.of("scoring.resoures.limits.cpu", "1"), "/scoring", "'resoures'");
        assertRefused(Map.of("training.runs.gpu", "2"), "/training/runs", "'gpu'");
        // the training dispatcher has no HPA (it leads runs; scaling training means GPUs): the key does not exist
        assertRefused(Map.of("training.hpa.enabled", "true"), "/training", "'hpa'");
    }

    @Test
    void aValueOutsideItsChoicesIsRefused() {
        assertRefused(Map.of("training.launcher", "docker"), "/training/launcher", "one of 'local', 'kubernetes'");
        assertRefused(Map.of("kafka.bootstrapServers", "kafka"), "/kafka/bootstrapServers", "");
        assertRefused(Map.of("s3.existingSecret", ""), "/s3/existingSecret", "");
        assertRefused(Map.of("topics.strimzi.enabled", "true"), "/topics/strimzi/clusterName", "");
    }

    @Test
    void anHpaThatCannotWorkIsRefusedByName() {
        IllegalStateException noMetric = assertThrows(IllegalStateException.class, () -> Chart.template(List.of(),
                Map.of("scoring.hpa.enabled", "true", "scoring.hpa.targetCPUUtilizationPercentage", "null")));
        assertTrue(noMetric.getMessage().contains("scoring.hpa: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage"),
                noMetric.getMessage());
        IllegalStateException inverted = assertThrows(IllegalStateException.class, () -> Chart.template(List.of(),
                Map.of("registry.hpa.enabled", "true", "registry.hpa.minReplicas", "4", "registry.hpa.maxReplicas", "2")));
        assertTrue(inverted.getMessage().contains("registry.hpa: minReplicas (4) is above maxReplicas (2)"), inverted.getMessage());
    }

    @Test
    void theValuesFilesOfTheTestsAreValid() {
        // the same files render (a valid file is no error): the refusals above are the schema's, not a broken chart
        Chart.template(List.of("gpu-pool.yaml", "production.yaml"), Map.of());
    }

    private static void assertRefused(Map<String, String> sets, String where, String why) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Chart.template(List.of(), sets),
                () -> sets + " was accepted");
        String message = e.getMessage();
        assertTrue(message.contains("values don't meet the specifications of the schema"), message);
        assertTrue(message.contains(where), () -> "expected " + where + " in: " + message);
        assertTrue(message.contains(why), () -> "expected " + why + " in: " + message);
    }
}
