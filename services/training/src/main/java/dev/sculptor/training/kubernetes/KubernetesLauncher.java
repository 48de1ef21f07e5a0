package dev.sculptor.training.kubernetes;

import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.training.service.TrainingRuns;
import dev.sculptor.training.store.RunRow;
import dev.sculptor.training.store.TrainingRepository;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The {@code kubernetes} launcher: each requested run becomes a Job (from the operator's template) whose pod
 * trains it ({@link PodRun}); the worker only records the run and creates its Job, so one replica starts
 * as many runs at once as the cluster has GPUs. A reconciler, at start and every
 * {@code sculptor.training.kubernetes.resync}, keeps the Jobs and the database consistent: an unfinished run
 * without a Job gets one, a Job that failed for good ends its run {@code FAILED} with the Job's reason, the Job
 * of a cancelled run is deleted.
 */
@ApplicationScoped
public class KubernetesLauncher {
    private static final Logger LOG = Logger.getLogger(KubernetesLauncher.class);

    @Inject
    LauncherMode mode;

    @Inject
    TrainingRepository repo;

    @Inject
    TrainingRuns runs;

    /** The API server; empty: fabric8's own discovery (the pod's service account in a cluster, else ~/.kube/config). */
    @ConfigProperty(name = "sculptor.training.kubernetes.api-server")
    Optional<String> apiServer;

    @ConfigProperty(name = "sculptor.training.kubernetes.namespace")
    Optional<String> namespaceConfig;

    @ConfigProperty(name = "sculptor.training.kubernetes.job-template", defaultValue = "/etc/sculptor/training/job-template.yaml")
    Path templateFile;

    @ConfigProperty(name = "sculptor.training.kubernetes.gpus", defaultValue = "1")
    int gpus;

    @ConfigProperty(name = "sculptor.training.kubernetes.backoff-limit", defaultValue = "3")
    int backoffLimit;

    @ConfigProperty(name = "sculptor.training.kubernetes.active-deadline", defaultValue = "PT24H")
    Duration activeDeadline;

    @ConfigProperty(name = "sculptor.training.kubernetes.ttl-after-finished", defaultValue = "PT1H")
    Duration ttlAfterFinished;

    @ConfigProperty(name = "sculptor.training.kubernetes.kueue-queue")
    Optional<String> kueueQueue;

    @ConfigProperty(name = "sculptor.training.kubernetes.resync", defaultValue = "PT10S")
    Duration resync;

    private KubernetesClient client;
    private JobTemplate template;
    private String namespace;
    private ScheduledExecutorService timer;

    void onStart(@Observes StartupEvent e) {
        if (mode.kubernetes()) {
            start();
        }
    }

    /** Checks the template (a wrong one stops the service here, with the reason), connects, starts the reconciler. */
    synchronized void start() {
        if (client != null) {
            return;
        }
        if (backoffLimit < 0) {
            throw new IllegalArgumentException("sculptor.training.kubernetes.backoff-limit must be >= 0, got " + backoffLimit);
        }
        for (var d : Map.of("active-deadline", activeDeadline, "ttl-after-finished", ttlAfterFinished, "resync", resync).entrySet()) {
            if (d.getValue().isNegative() || d.getValue().isZero()) {
                throw new IllegalArgumentException("sculptor.training.kubernetes." + d.getKey() + " must be positive, got " + d.getValue());
            }
        }
        template = JobTemplate.load(templateFile, gpus, new JobTemplate.Defaults(backoffLimit, activeDeadline, ttlAfterFinished,
                kueueQueue.orElse(null)));
        KubernetesClientBuilder b = new KubernetesClientBuilder();
        if (apiServer.isPresent()) {
            b.withConfig(new ConfigBuilder().withMasterUrl(apiServer.get()).build());
        }
        client = b.build();
        namespace = namespaceConfig.filter(s -> !s.isBlank()).orElseGet(() -> client.getNamespace() != null ? client.getNamespace()
                : "default");
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "training-jobs-reconciler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::reconcileQuietly, 0, resync.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("kubernetes launcher: Jobs in namespace %s from %s, reconciled every %s", namespace, templateFile, resync);
    }

    void onStop(@Observes ShutdownEvent e) {
        synchronized (this) {
            if (timer != null) {
                timer.shutdownNow();
            }
            if (client != null) {
                client.close();
            }
        }
    }

    /**
     * The worker's path: records the run {@code QUEUED} (unless it exists) and creates its Job; a run that ended
     * gets none. Failures to reach the API server are thrown for the consumer to retry.
     */
    public void request(String id, TrainingRequested req) {
        RunRow row = runs.record(id, req);
        if (row.terminal()) {
            LOG.infof("%s already %s; no Job", row.name(), row.state());
            return;
        }
        launch(id);
    }

    /** Creates the run's Job; one that exists already is left as it is. */
    public void launch(String id) {
        start();
        Job job = template.jobFor(id, namespace);
        try {
            client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
            LOG.infof("trainingRuns/%s: Job %s created", id, job.getMetadata().getName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw PlatformException.unavailable("cannot create Job " + job.getMetadata().getName() + " in " + namespace + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** Deletes the run's Job and its pods (in the background); a Job already gone is fine. */
    public void deleteJob(String id) {
        start();
        String name = JobTemplate.jobName(id);
        try {
            client.batch().v1().jobs().inNamespace(namespace).withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND)
                    .delete();
            LOG.infof("trainingRuns/%s: Job %s deleted", id, name);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw PlatformException.unavailable("cannot delete Job " + name + " in " + namespace + ": " + e.getMessage(), e);
            }
        }
    }

    /** What one reconciliation did. */
    public record Reconciled(int created, int failed, int deleted) {}

    private void reconcileQuietly() {
        try {
            Reconciled r = reconcile();
            if (r.created() + r.failed() + r.deleted() > 0) {
                LOG.infof("reconciled Jobs with runs: %d created, %d runs failed, %d deleted", r.created(), r.failed(), r.deleted());
            }
        } catch (RuntimeException e) {
            LOG.warnf("reconciling training Jobs failed (next try in %s): %s", resync, e.getMessage());
        }
    }

    /**
     * Compares our Jobs with the runs. The Jobs are read before the runs, so a run a pod ended just before its
     * Job finished is seen ended.
     */
    public synchronized Reconciled reconcile() {
        start();
        List<Job> jobs = client.batch().v1().jobs().inNamespace(namespace).withLabel(JobTemplate.MANAGED_BY, JobTemplate.MANAGER).list()
                .getItems();
        Map<String, Job> byRun = new HashMap<>();
        int created = 0;
        int failed = 0;
        int deleted = 0;
        for (Job j : jobs) {
            String id = j.getMetadata().getLabels() == null ? null : j.getMetadata().getLabels().get(JobTemplate.RUN_LABEL);
            if (id == null) {
                continue;
            }
            byRun.put(id, j);
            try {
                switch (reconcile(id, j)) {
                    case FAILED -> failed++;
                    case DELETED -> deleted++;
                    default -> { }
                }
            } catch (RuntimeException e) {
                LOG.warnf("trainingRuns/%s: cannot reconcile its Job: %s", id, e.getMessage());
            }
        }
        for (RunRow r : repo.unfinished()) {
            if (!byRun.containsKey(r.id())) {
                try {
                    if (r.cancelRequested()) {
                        runs.cancel(r.id());
                        continue;
                    }
                    // recorded but its Job never made (the service stopped in between), or deleted by hand
                    launch(r.id());
                    created++;
                } catch (RuntimeException e) {
                    LOG.warnf("trainingRuns/%s: cannot launch its Job: %s", r.id(), e.getMessage());
                }
            }
        }
        return new Reconciled(created, failed, deleted);
    }

    private enum Change { NONE, FAILED, DELETED }

    private Change reconcile(String id, Job j) {
        Optional<RunRow> row = repo.find(id);
        if (row.isEmpty()) {
            return Change.NONE; // not this service's run (another database); left alone
        }
        RunRow r = row.get();
        if (RunRow.CANCELLED.equals(r.state()) || !r.terminal() && r.cancelRequested()) {
            if (!r.terminal()) {
                runs.cancel(id); // ends it and deletes the Job
            } else if (j.getMetadata().getDeletionTimestamp() == null) {
                deleteJob(id);
            } else {
                return Change.NONE;
            }
            return Change.DELETED;
        }
        if (r.terminal()) {
            return Change.NONE;
        }
        String reason = ended(j);
        // the pod did not end the run (it exits 0 only after it did): the Job gave up on it
        if (reason != null && runs.failed(id, "Kubernetes Job " + j.getMetadata().getName() + " " + reason)) {
            return Change.FAILED;
        }
        return Change.NONE;
    }

    /** How a Job ended without its run ending: failed for good, or completed; null while it may still run. */
    static String ended(Job j) {
        if (j.getStatus() == null || j.getStatus().getConditions() == null) {
            return null;
        }
        for (JobCondition c : j.getStatus().getConditions()) {
            if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                return "failed: " + (c.getReason() == null ? "" : c.getReason())
                        + (c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage());
            }
            if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
                return "completed but its pod did not end the run";
            }
        }
        return null;
    }
}
