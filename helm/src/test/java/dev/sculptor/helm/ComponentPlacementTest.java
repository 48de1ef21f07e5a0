package dev.sculptor.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scoring-placed.yaml: a service component's resources, nodeSelector, tolerations and affinity reach its pods. */
class ComponentPlacementTest {
    private static Chart.Rendering rendering;

    @BeforeAll
    static void render() {
        rendering = Chart.render("scoring-placed.yaml");
    }

    private static PodSpec pod(String component) {
        return rendering.deployment(component).getSpec().getTemplate().getSpec();
    }

    @Test
    void theScoringDeploymentGetsItsResources() {
        Container scoring = pod("scoring").getContainers().get(0);
        assertEquals(Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"), "ephemeral-storage", new Quantity("2Gi")),
                scoring.getResources().getRequests());
        assertEquals(Map.of("cpu", new Quantity("6"), "memory", new Quantity("12Gi")), scoring.getResources().getLimits());
    }

    @Test
    void theScoringPodsLandWhereTheValuesSay() {
        PodSpec pod = pod("scoring");
        assertEquals(Map.of("sculptor.dev/pool", "cpu-large"), pod.getNodeSelector());
        assertEquals(List.of(new Toleration("NoSchedule", "sculptor.dev/cpu-pool", "Equal", null, "large")), pod.getTolerations());
        var term = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()
                .get(0).getMatchExpressions().get(0);
        assertEquals("kubernetes.io/arch", term.getKey());
        assertEquals("In", term.getOperator());
        assertEquals(List.of("amd64"), term.getValues());
        WeightedPodAffinityTerm spread = pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()
                .get(0);
        assertEquals(100, spread.getWeight());
        assertEquals("topology.kubernetes.io/zone", spread.getPodAffinityTerm().getTopologyKey());
        assertEquals(Map.of("app.kubernetes.io/component", "scoring"),
                spread.getPodAffinityTerm().getLabelSelector().getMatchLabels());
    }

    @Test
    void theOtherComponentsKeepTheirDefaults() {
        Chart.Rendering defaults = Chart.render();
        for (String c : Chart.COMPONENTS) {
            if (c.equals("scoring")) {
                continue;
            }
            PodSpec pod = pod(c);
            assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), c);
            assertTrue(pod.getTolerations() == null || pod.getTolerations().isEmpty(), c);
            assertNull(pod.getAffinity(), c);
            assertEquals(defaults.deployment(c).getSpec().getTemplate().getSpec().getContainers().get(0).getResources(),
                    pod.getContainers().get(0).getResources(), c);
        }
    }
}
