package dev.sculptor.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.sculptor.helm.Chart.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gpu-pool.yaml: runs on a tainted GPU pool, two GPUs each, queued by Kueue; two training dispatchers. */
class GpuPoolTest {
    private static Chart.Rendering rendering;

    @BeforeAll
    static void render() {
        rendering = Chart.render("gpu-pool.yaml");
    }

    @Test
    void eachRunAsksForItsGpusWithRequestEqualToLimit() {
        Container train = run().getContainers().get(0);
        assertEquals("train", train.getName());
        assertEquals(new Quantity("2"), train.getResources().getRequests().get("nvidia.com/gpu"));
        assertEquals(new Quantity("2"), train.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(new Quantity("8"), train.getResources().getRequests().get("cpu"));
        assertEquals(new Quantity("32Gi"), train.getResources().getLimits().get("memory"));
        assertEquals(new Quantity("32Gi"), run().getVolumes().get(0).getEmptyDir().getSizeLimit());
        // the launcher checks the template against the GPUs it is told each run gets: both come from training.runs.gpus
        String told = rendering.deployment("training").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("SCULPTOR_TRAINING_KUBERNETES_GPUS")).findFirst().orElseThrow().getValue();
        assertEquals("2", told);
    }

    @Test
    void runsLandOnTheGpuPool() {
        PodSpec run = run();
        assertEquals(Map.of("sculptor.dev/pool", "gpu", "nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"), run.getNodeSelector());
        Set<String> tolerated = run.getTolerations().stream().map(Toleration::getKey).collect(Collectors.toSet());
        assertEquals(Set.of("sculptor.dev/gpu-pool", "nvidia.com/gpu"), tolerated);
        var term = run.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().get(0).getMatchExpressions().get(0);
        assertEquals("nvidia.com/gpu.count", term.getKey());
        assertEquals("Gt", term.getOperator());
        // the services themselves stay off the GPU pool
        for (String c : Chart.COMPONENTS) {
            PodSpec pod = rendering.deployment(c).getSpec().getTemplate().getSpec();
            assertTrue(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), c);
            assertTrue(pod.getTolerations() == null || pod.getTolerations().isEmpty(), c);
        }
    }

    @Test
    void theJobCarriesTheRetryDeadlineCleanupAndQueue() {
        Job job = rendering.jobTemplate();
        assertEquals(5, job.getSpec().getBackoffLimit());
        assertEquals(43200L, job.getSpec().getActiveDeadlineSeconds());
        assertEquals(600, job.getSpec().getTtlSecondsAfterFinished());
        assertEquals("gpu-runs", job.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
    }

    @Test
    void aPodDisruptionBudgetExactlyWhereThereIsMoreThanOneReplica() {
        assertEquals(2, rendering.deployment("training").getSpec().getReplicas());
        List<PodDisruptionBudget> pdbs = rendering.all(PodDisruptionBudget.class);
        assertEquals(List.of(PREFIX + "training"), pdbs.stream().map(p -> p.getMetadata().getName()).toList());
        assertEquals(1, pdbs.get(0).getSpec().getMaxUnavailable().getIntVal());
        assertEquals("training", pdbs.get(0).getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"));
    }

    @Test
    void stillLockedDownAndNoSecretInClear() {
        rendering.pods().forEach(DefaultValuesTest::assertLockedDown);
        Secrets.assertNoneInClear(rendering);
    }

    private static PodSpec run() {
        return rendering.jobTemplate().getSpec().getTemplate().getSpec();
    }
}
