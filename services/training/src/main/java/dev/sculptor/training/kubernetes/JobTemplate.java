package dev.sculptor.training.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job of a training run, made from the operator's template (a {@code batch/v1} Job whose pod has a
 * container named {@code train}): the run's name, labels and {@code SCULPTOR_TRAINING_POD_RUN} are set,
 * retries, deadline, clean-up and the Kueue queue only where the template leaves them unset. The
 * template is checked once, when the launcher starts, so a wrong one stops the service with a reason
 * rather than failing every run.
 */
public final class JobTemplate {
    public static final String CONTAINER = "train";
    public static final String GPU = "nvidia.com/gpu";
    public static final String POD_RUN_ENV = "SCULPTOR_TRAINING_POD_RUN";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "sculptor-training";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String COMPONENT_VALUE = "training-run";
    public static final String RUN_LABEL = "sculptor.dev/training-run";
    public static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
    static final String PREFIX = "sculptor-train-";
    /** Kubernetes makes pod names from a Job's name cut to this length plus five random characters. */
    static final int POD_BASE = 58;

    /** Defaults for what the template leaves unset. */
    public record Defaults(int backoffLimit, Duration activeDeadline, Duration ttlAfterFinished, String kueueQueue) {}

    private final String yaml;
    private final Defaults defaults;

    private JobTemplate(String yaml, Defaults defaults) {
        this.yaml = yaml;
        this.defaults = defaults;
    }

    /**
     * Reads and checks a template.
     *
     * @param gpus the {@code nvidia.com/gpu} request = limit the {@code train} container must have; 0: CPU runs, none asked
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static JobTemplate load(Path file, int gpus, Defaults defaults) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("sculptor.training.kubernetes.job-template: cannot read " + file + ": " + e, e);
        }
        return parse(file.toString(), text, gpus, defaults);
    }

    static JobTemplate parse(String where, String text, int gpus, Defaults defaults) {
        String what = "sculptor.training.kubernetes.job-template " + where + ": ";
        if (gpus < 0) {
            throw new IllegalArgumentException("sculptor.training.kubernetes.gpus must be >= 0, got " + gpus);
        }
        Object parsed;
        try {
            parsed = Serialization.unmarshal(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + "not a Kubernetes object: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Job job) || !"batch/v1".equals(job.getApiVersion())) {
            throw new IllegalArgumentException(what + "must hold one batch/v1 Job, found "
                    + (parsed == null ? "nothing" : parsed.getClass().getSimpleName()));
        }
        JobSpec spec = job.getSpec();
        if (spec == null || spec.getTemplate() == null || spec.getTemplate().getSpec() == null) {
            throw new IllegalArgumentException(what + "the Job has no spec.template.spec");
        }
        // one pod at a time: a replacement pod takes the run over from its dead predecessor (PodRun)
        if (spec.getParallelism() != null && spec.getParallelism() != 1 || spec.getCompletions() != null && spec.getCompletions() != 1) {
            throw new IllegalArgumentException(what + "spec.parallelism and spec.completions must be 1 or unset: one pod trains a run");
        }
        Container train = train(spec.getTemplate().getSpec());
        if (train == null) {
            throw new IllegalArgumentException(what + "the pod has no container named '" + CONTAINER + "'");
        }
        Quantity req = quantity(train.getResources(), true);
        Quantity lim = quantity(train.getResources(), false);
        if (gpus == 0) {
            if (req != null || lim != null) {
                throw new IllegalArgumentException(what + "the '" + CONTAINER + "' container asks for " + GPU
                        + " but sculptor.training.kubernetes.gpus=0 (CPU runs)");
            }
        } else {
            String want = Integer.toString(gpus);
            if (lim == null || !want.equals(lim.toString()) || req != null && !want.equals(req.toString())) {
                throw new IllegalArgumentException(what + "the '" + CONTAINER + "' container must have resources.limits." + GPU
                        + " = " + want + " (and the same request, or none) as sculptor.training.kubernetes.gpus says; found limit "
                        + lim + ", request " + req + " (set sculptor.training.kubernetes.gpus=0 for CPU runs)");
            }
        }
        return new JobTemplate(text, defaults);
    }

    private static Quantity quantity(ResourceRequirements r, boolean request) {
        if (r == null) {
            return null;
        }
        Map<String, Quantity> m = request ? r.getRequests() : r.getLimits();
        return m == null ? null : m.get(GPU);
    }

    static Container train(PodSpec pod) {
        return pod.getContainers() == null ? null
                : pod.getContainers().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst().orElse(null);
    }

    /** {@code sculptor-train-<run id>}, or its first part and a hash when that is longer than a label value may be (63). */
    public static String jobName(String runId) {
        String name = PREFIX + runId;
        if (name.length() <= 63) {
            return name;
        }
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String head = name.substring(0, 63 - 11);
        while (head.endsWith("-")) {
            head = head.substring(0, head.length() - 1);
        }
        return head + "-" + hash;
    }

    /** What the names of the Job's pods start with (Kubernetes cuts the Job's name before adding the random suffix). */
    public static String podPrefix(String runId) {
        String base = jobName(runId) + "-";
        return base.length() > POD_BASE ? base.substring(0, POD_BASE) : base;
    }

    /** The run's Job in {@code namespace}. */
    public Job jobFor(String runId, String namespace) {
        Job job = Serialization.unmarshal(yaml, Job.class);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, MANAGER);
        labels.put(COMPONENT, COMPONENT_VALUE);
        labels.put(RUN_LABEL, runId);
        if (job.getMetadata() == null) {
            job.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        job.getMetadata().setName(jobName(runId));
        job.getMetadata().setNamespace(namespace);
        job.getMetadata().setGenerateName(null);
        job.getMetadata().setLabels(merge(job.getMetadata().getLabels(), labels));
        if (defaults.kueueQueue() != null && !defaults.kueueQueue().isBlank()) {
            job.getMetadata().getLabels().putIfAbsent(KUEUE_QUEUE, defaults.kueueQueue());
        }
        JobSpec spec = job.getSpec();
        if (spec.getBackoffLimit() == null) {
            spec.setBackoffLimit(defaults.backoffLimit());
        }
        if (spec.getActiveDeadlineSeconds() == null) {
            spec.setActiveDeadlineSeconds(defaults.activeDeadline().toSeconds());
        }
        if (spec.getTtlSecondsAfterFinished() == null) {
            spec.setTtlSecondsAfterFinished((int) defaults.ttlAfterFinished().toSeconds());
        }
        // a replacement pod is made only once its predecessor is gone, so it may take the run over at once
        if (spec.getPodReplacementPolicy() == null) {
            spec.setPodReplacementPolicy("Failed");
        }
        var podMeta = spec.getTemplate().getMetadata();
        if (podMeta == null) {
            podMeta = new io.fabric8.kubernetes.api.model.ObjectMeta();
            spec.getTemplate().setMetadata(podMeta);
        }
        podMeta.setLabels(merge(podMeta.getLabels(), labels));
        PodSpec pod = spec.getTemplate().getSpec();
        if (pod.getRestartPolicy() == null) {
            pod.setRestartPolicy("Never");
        }
        Container train = train(pod);
        List<EnvVar> env = new ArrayList<>(train.getEnv() == null ? List.of() : train.getEnv());
        env.removeIf(e -> POD_RUN_ENV.equals(e.getName()));
        env.add(new EnvVar(POD_RUN_ENV, runId, null));
        train.setEnv(env);
        return job;
    }

    private static Map<String, String> merge(Map<String, String> base, Map<String, String> ours) {
        Map<String, String> m = new LinkedHashMap<>(base == null ? Map.of() : base);
        m.putAll(ours);
        return m;
    }
}
