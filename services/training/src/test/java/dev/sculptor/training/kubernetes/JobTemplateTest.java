package dev.sculptor.training.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Job template: what the launcher refuses at start, and the Job it makes of it for a run. */
class JobTemplateTest {
    static final JobTemplate.Defaults DEFAULTS = new JobTemplate.Defaults(3, Duration.ofHours(24), Duration.ofHours(1), null);

    static String template(String resources, String extraSpec) {
        return """
                apiVersion: batch/v1
                kind: Job
                spec:
                %s  template:
                    spec:
                      restartPolicy: OnFailure
                      containers:
                        - name: sidecar
                          image: busybox
                        - name: train
                          image: registry.example/sculptor-training:1.0
                          env:
                            - name: SCULPTOR_TRAINING_POD_RUN
                              value: stale
                            - name: KAFKA_BOOTSTRAP_SERVERS
                              value: kafka:9092
                %s
                """.formatted(extraSpec, resources);
    }

    /** The train container's resources (indented as the template's container fields). */
    static String gpus(int request, int limit) {
        return "          resources:\n"
                + "            requests: {nvidia.com/gpu: " + request + "}\n"
                + "            limits: {nvidia.com/gpu: " + limit + "}";
    }

    static final String ONE_GPU = gpus(1, 1);

    static JobTemplate parse(String yaml, int gpus) {
        return JobTemplate.parse("t.yaml", yaml, gpus, DEFAULTS);
    }

    static Container train(Job j) {
        return JobTemplate.train(j.getSpec().getTemplate().getSpec());
    }

    @Test
    void aRunsJobHasItsNameLabelsEnvAndTheDefaultsTheTemplateLeftUnset() {
        Job j = JobTemplate.parse("t.yaml", template(ONE_GPU, "  backoffLimit: 6\n"), 1,
                new JobTemplate.Defaults(3, Duration.ofHours(2), Duration.ofMinutes(30), "gpu-queue")).jobFor("ft-1", "ml");
        assertEquals("sculptor-train-ft-1", j.getMetadata().getName());
        assertEquals("ml", j.getMetadata().getNamespace());
        assertEquals("sculptor-training", j.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        assertEquals("training-run", j.getMetadata().getLabels().get("app.kubernetes.io/component"));
        assertEquals("ft-1", j.getMetadata().getLabels().get("sculptor.dev/training-run"));
        assertEquals("gpu-queue", j.getMetadata().getLabels().get("kueue.x-k8s.io/queue-name"));
        assertEquals("ft-1", j.getSpec().getTemplate().getMetadata().getLabels().get("sculptor.dev/training-run"));
        assertEquals(6, j.getSpec().getBackoffLimit(), "the template's own value wins");
        assertEquals(7200L, j.getSpec().getActiveDeadlineSeconds());
        assertEquals(1800, j.getSpec().getTtlSecondsAfterFinished());
        assertEquals("Failed", j.getSpec().getPodReplacementPolicy());
        assertEquals("OnFailure", j.getSpec().getTemplate().getSpec().getRestartPolicy());
        List<EnvVar> env = train(j).getEnv();
        assertEquals(List.of("KAFKA_BOOTSTRAP_SERVERS", "SCULPTOR_TRAINING_POD_RUN"), env.stream().map(EnvVar::getName).toList());
        assertEquals("ft-1", env.get(1).getValue(), "the run replaces what the template said");
        assertEquals("1", train(j).getResources().getLimits().get("nvidia.com/gpu").toString());
        // each Job is a fresh copy of the template
        Job other = parse(template(ONE_GPU, ""), 1).jobFor("ft-2", "ml");
        assertEquals("ft-2", train(other).getEnv().get(1).getValue());
        assertEquals(3, other.getSpec().getBackoffLimit());
        assertTrue(!other.getMetadata().getLabels().containsKey("kueue.x-k8s.io/queue-name"));
    }

    @Test
    void longRunIdsGetAShortStableJobNameAndPodsOfTheJobAreRecognised() {
        String id = "r" + "x".repeat(62);
        String name = JobTemplate.jobName(id);
        assertEquals(63, name.length(), name);
        assertTrue(name.startsWith("sculptor-train-rxx"), name);
        assertEquals(name, JobTemplate.jobName(id), "stable");
        assertNotEquals(name, JobTemplate.jobName("r" + "x".repeat(61) + "y"), "distinct runs, distinct Jobs");
        // Kubernetes cuts the Job's name to 58 characters before the pod's random suffix
        assertEquals(name.substring(0, 58), JobTemplate.podPrefix(id));
        assertEquals("sculptor-train-ft-1-", JobTemplate.podPrefix("ft-1"));
    }

    @Test
    void aTemplateWithoutTheGpusRequestedIsRefusedUnlessCpuRunsAreAllowed() {
        String none = template("", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(none, 1));
        assertTrue(e.getMessage().contains("t.yaml") && e.getMessage().contains("resources.limits.nvidia.com/gpu = 1")
                && e.getMessage().contains("sculptor.training.kubernetes.gpus=0"), e.getMessage());
        // request != limit
        String uneven = template(gpus(1, 2), "");
        assertThrows(IllegalArgumentException.class, () -> parse(uneven, 2));
        assertThrows(IllegalArgumentException.class, () -> parse(template(ONE_GPU, ""), 2), "one GPU where two are wanted");
        // CPU runs: allowed with gpus=0, which then refuses a template asking for a GPU
        assertEquals(null, train(parse(none, 0).jobFor("cpu", "ns")).getResources());
        e = assertThrows(IllegalArgumentException.class, () -> parse(template(ONE_GPU, ""), 0));
        assertTrue(e.getMessage().contains("gpus=0"), e.getMessage());
    }

    @Test
    void aTemplateThatIsNotOneJobWithATrainContainerIsRefusedNamingWhatIsWrong(@TempDir Path tmp) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", 1));
        assertTrue(e.getMessage().contains("batch/v1 Job") && e.getMessage().contains("ConfigMap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse(template(ONE_GPU, "").replace("name: train", "name: main"), 1));
        assertTrue(e.getMessage().contains("no container named 'train'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse(template(ONE_GPU, "  parallelism: 3\n"), 1));
        assertTrue(e.getMessage().contains("parallelism"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("{not yaml", 1));
        assertTrue(e.getMessage().startsWith("sculptor.training.kubernetes.job-template t.yaml"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobTemplate.load(tmp.resolve("missing.yaml"), 1, DEFAULTS));
        assertTrue(e.getMessage().contains("cannot read") && e.getMessage().contains("missing.yaml"), e.getMessage());
        Path ok = tmp.resolve("ok.yaml");
        Files.writeString(ok, template(ONE_GPU, ""));
        assertEquals("sculptor-train-a", JobTemplate.load(ok, 1, DEFAULTS).jobFor("a", "ns").getMetadata().getName());
    }
}
