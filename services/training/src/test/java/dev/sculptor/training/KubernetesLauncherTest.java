package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.kubernetes.JobTemplate;
import dev.sculptor.training.kubernetes.KubernetesLauncher;
import dev.sculptor.training.kubernetes.PodRun;
import dev.sculptor.training.service.Plans;
import dev.sculptor.training.service.TrainingRuns;
import dev.sculptor.training.store.RunRow;
import dev.sculptor.training.store.TrainingRepository;
import io.agroal.api.AgroalDataSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code kubernetes} launcher against fabric8's mock API server (CRUD mode), real Kafka, S3 and PostgreSQL and
 * the real engine. The mock schedules nothing, so the test plays the kubelet: it reads the run from a Job's
 * {@code train} container, runs the pod's entry point ({@link PodRun}, what the image runs in pod mode) in this
 * JVM, and patches the Job's status as the Job controller would.
 */
@QuarkusTest
@TestProfile(KubernetesLauncherTest.OnKubernetes.class)
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
@WithTestResource(KubernetesMockResource.class)
class KubernetesLauncherTest {
    static final Duration WAIT = Duration.ofSeconds(90);
    /** Long, so that a replacement pod that waited for its dead predecessor's lease would be seen waiting. */
    static final Duration LEASE = Duration.ofMinutes(5);

    public static final class OnKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sculptor.training.launcher", "kubernetes",
                    "sculptor.training.kubernetes.resync", "PT0.5S",
                    "sculptor.training.kubernetes.kueue-queue", "gpu-queue",
                    "sculptor.training.lease", LEASE.toString());
        }
    }

    static EventPublisher publisher;

    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "sculptor.training.kubernetes.api-server")
    String apiServer;

    @Inject
    PodRun pods;

    @Inject
    KubernetesLauncher launcher;

    @Inject
    TrainingRepository repo;

    @Inject
    CheckpointStore store;

    @Inject
    AgroalDataSource ds;

    KubernetesClient kube;
    TrainClient client;

    @BeforeAll
    static void producer() {
        publisher = new EventPublisher(KafkaResource.bootstrapServers(), "training-k8s-test", Duration.ofSeconds(30));
    }

    @AfterAll
    static void closeProducer() {
        publisher.close();
    }

    @BeforeEach
    void connect() {
        kube = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(apiServer)
                .withNamespace(KubernetesMockResource.NAMESPACE).build()).build();
        client = new TrainClient(url.getPort());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        kube.close();
        client.close();
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    Resource<Job> job(String run) {
        return kube.batch().v1().jobs().inNamespace(KubernetesMockResource.NAMESPACE).withName(JobTemplate.jobName(run));
    }

    Job awaitJob(String run) {
        return await("the Job of trainingRuns/" + run).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> job(run).get(),
                Objects::nonNull);
    }

    List<Job> jobsOf(String run) {
        return kube.batch().v1().jobs().inNamespace(KubernetesMockResource.NAMESPACE).withLabel(JobTemplate.RUN_LABEL, run).list()
                .getItems();
    }

    RunRow row(String run) {
        return repo.find(run).orElseThrow();
    }

    void publish(TrainingRequested r) {
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), r));
    }

    static Container train(Job j) {
        return j.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals("train")).findFirst()
                .orElseThrow();
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    void status(String run, JobStatus s) {
        job(run).editStatus(j -> {
            j.setStatus(s);
            return j;
        });
    }

    /**
     * The kubelet and the Job controller: one pod of the run's Job (named as Kubernetes names them) runs the pod's
     * entry point for the run named in the Job's env; the Job's status follows its exit code.
     */
    int runPod(String run, String suffix) {
        Job j = awaitJob(run);
        String podRun = env(train(j), JobTemplate.POD_RUN_ENV);
        assertEquals(run, podRun);
        JobStatus before = j.getStatus() == null ? new JobStatus() : j.getStatus();
        int failed = before.getFailed() == null ? 0 : before.getFailed();
        status(run, new JobStatusBuilder(before).withActive(1).build());
        int code = pods.run(podRun, JobTemplate.podPrefix(run) + suffix);
        // A cancel deletes the Job while its pod stops: the pod may return before or after the deletion lands, and
        // either way there is no status left to write.
        try {
            if (code == 0) {
                status(run, new JobStatusBuilder().withActive(0).withSucceeded(1).withFailed(failed).addToConditions(
                        new JobConditionBuilder().withType("Complete").withStatus("True").build()).build());
            } else {
                status(run, new JobStatusBuilder().withActive(0).withFailed(failed + 1).build());
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        return code;
    }

    @Test
    void aRequestBecomesAGpuJobWhosePodTrainsTheRunReportsEveryEpochAndStoresTheModel() throws Exception {
        String run = unique("k8s");
        publish(Fixtures.fromArch(run, 2, 5).setPruneJob("pruneJobs/" + run).build());
        Job j = awaitJob(run);
        assertEquals(RunRow.QUEUED, row(run).state(), "recorded; its pod has not started");
        assertEquals(KubernetesMockResource.NAMESPACE, j.getMetadata().getNamespace());
        Map<String, String> labels = j.getMetadata().getLabels();
        assertEquals("sculptor-training", labels.get("app.kubernetes.io/managed-by"));
        assertEquals("training-run", labels.get("app.kubernetes.io/component"));
        assertEquals(run, labels.get("sculptor.dev/training-run"));
        assertEquals("gpu-queue", labels.get("kueue.x-k8s.io/queue-name"));
        assertEquals("sculptor", labels.get("app.kubernetes.io/name"), "the template's labels are kept");
        assertEquals(run, j.getSpec().getTemplate().getMetadata().getLabels().get("sculptor.dev/training-run"));
        Container c = train(j);
        assertEquals("1", c.getResources().getLimits().get("nvidia.com/gpu").toString());
        assertEquals("1", c.getResources().getRequests().get("nvidia.com/gpu").toString());
        assertEquals(run, env(c, "SCULPTOR_TRAINING_POD_RUN"));
        assertEquals("sculptor-store", c.getEnv().stream().filter(e -> e.getName().equals("SCULPTOR_STORE_SECRET_KEY")).findFirst()
                .orElseThrow().getValueFrom().getSecretKeyRef().getName(), "secrets stay references");
        assertEquals("gpu", j.getSpec().getTemplate().getSpec().getNodeSelector().get("sculptor.dev/pool"));
        assertEquals("nvidia.com/gpu", j.getSpec().getTemplate().getSpec().getTolerations().get(0).getKey());
        assertEquals(3, j.getSpec().getBackoffLimit());
        assertEquals(Duration.ofHours(24).toSeconds(), j.getSpec().getActiveDeadlineSeconds());
        assertEquals(3600, j.getSpec().getTtlSecondsAfterFinished());
        assertEquals("Never", j.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertEquals("Failed", j.getSpec().getPodReplacementPolicy());

        assertEquals(PodRun.ENDED, runPod(run, "x7k2p"));
        TrainingCompleted done = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, done.getStatus(), done.getFailureReason());
        assertEquals(1, done.getAttempts());
        assertEquals("pruneJobs/" + run, done.getPruneJob());
        assertEquals(List.of(1, 2), Fixtures.progress(run).stream().map(p -> p.getProgress().getEpoch()).toList());
        assertEquals("s3://" + store.bucket() + "/runs/" + run + "/checkpoints/final/", done.getOutputCheckpoint().getUri());
        assertTrue(store.list("runs/" + run + "/checkpoints/final").contains("manifest.json"));
        assertTrue(store.list("runs/" + run + "/checkpoints/epoch-2").contains("optimizer.bin"));
        assertEquals(RunRow.SUCCEEDED, row(run).state());

        // the completed Job changes nothing, and the run still has exactly one Job
        KubernetesLauncher.Reconciled r = launcher.reconcile();
        assertEquals(RunRow.SUCCEEDED, row(run).state());
        assertEquals(1, jobsOf(run).size());
        assertEquals(1, Fixtures.completions(run).size(), "one TrainingCompleted " + r);
    }

    @Test
    void threeCandidatesOfOneJobGetThreeGpuJobsAtOnceAndAllSucceed() throws Exception {
        String job = "pruneJobs/" + unique("job");
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String run = unique("cand" + i);
            runs.add(run);
            publish(Fixtures.fromArch(run, 1, 10 + i).setPruneJob(job).build());
        }
        // all three Jobs exist while no run has even started: they do not wait for one another
        for (String run : runs) {
            Job j = awaitJob(run);
            assertEquals("1", train(j).getResources().getLimits().get("nvidia.com/gpu").toString());
        }
        for (String run : runs) {
            assertEquals(RunRow.QUEUED, row(run).state());
        }
        // their pods: one after another here, since DJL trains one network at a time per JVM (each pod is its own JVM)
        for (String run : runs) {
            assertEquals(PodRun.ENDED, runPod(run, "pod01"));
        }
        for (String run : runs) {
            TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
            assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
            assertEquals(job, c.getPruneJob());
            assertEquals(1, jobsOf(run).size());
        }
    }

    /** A run as an earlier pod left it: epoch 1 trained and uploaded (the checkpoint of {@code from}), then the pod died. */
    void diedAfterEpochOne(String run, String from, TrainingRequested req, String owner) throws Exception {
        store.copyPrefix(TrainingRuns.epochPrefix(from, 1), TrainingRuns.epochPrefix(run, 1));
        repo.create(run, req.toByteArray(), "", Mapper.modeName(req.getRetrainMode()), "", Plans.epochs(req));
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = 'RUNNING', "
                + "current_epoch = 1, checkpoint_epoch = 1, attempts = 1, owner = ?, heartbeat_time = now(), start_time = now() "
                + "WHERE id = ?")) {
            ps.setString(1, owner);
            ps.setString(2, run);
            assertEquals(1, ps.executeUpdate());
        }
    }

    @Test
    void aPodThatDiesIsReplacedAndTheNewPodResumesAfterTheLastEpochAtOnce() throws Exception {
        // the reference, whose first epoch the dead pod is taken to have trained
        String whole = unique("whole");
        TrainingRequested req = Fixtures.fromArch(whole, 2, 21).build();
        publish(req);
        assertEquals(PodRun.ENDED, runPod(whole, "aaaaa"));
        assertEquals(TrainingRun.State.SUCCEEDED, Fixtures.awaitCompleted(whole, WAIT).getStatus());

        // pod 1 of the run's Job trained epoch 1 and died a moment ago: its heartbeat is fresh, its lease far from over.
        // The run is recorded without a Job (as if the service stopped before creating it): the reconciler makes it.
        String run = unique("resume");
        diedAfterEpochOne(run, whole, req.toBuilder().setTrainingRun("trainingRuns/" + run).build(), JobTemplate.podPrefix(run) + "dead1");
        awaitJob(run);
        status(run, new JobStatusBuilder().withActive(0).withFailed(1).build());

        long t0 = System.nanoTime();
        assertEquals(PodRun.ENDED, runPod(run, "new02"));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(LEASE.dividedBy(4)) < 0,
                "the new pod took over at once, not after the dead one's lease");
        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
        assertEquals(2, c.getAttempts());
        assertEquals(2, c.getEpochs());
        assertEquals(List.of(2), Fixtures.progress(run).stream().map(p -> p.getProgress().getEpoch()).toList(), "continues at epoch 2");
        assertEquals(1, jobsOf(run).size());

        // a pod of another Job (or a service replica) holding the run live is not taken over
        String held = unique("held");
        diedAfterEpochOne(held, whole, req.toBuilder().setTrainingRun("trainingRuns/" + held).build(), "sculptor-train-other-abcde");
        assertEquals(TrainingRepository.ClaimResult.BUSY,
                repo.claim(held, JobTemplate.podPrefix(held) + "zzzzz", LEASE, JobTemplate.podPrefix(held)).result());
    }

    @Test
    void aPodThatFindsAPartDownExitsForTheJobToRetryAndTheNextPodFinishesTheRun() throws Exception {
        String run = unique("retry");
        publish(Fixtures.fromArch(run, 1, 6).build());
        awaitJob(run);
        int first;
        S3Resource.stopServer();
        try {
            first = runPod(run, "s3dwn");
        } finally {
            S3Resource.restartServer();
        }
        assertEquals(PodRun.RETRY, first, "the store was down: a new pod should try again");
        RunRow between = row(run);
        assertEquals(RunRow.RUNNING, between.state());
        assertFalse(between.lastError().isEmpty(), "the reason is kept");
        assertEquals(PodRun.ENDED, runPod(run, "s3up0"));
        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
        assertEquals(2, c.getAttempts());
    }

    @Test
    void cancelDeletesTheJobAndEndsTheRunCancelledWhileItsPodTrains() throws Exception {
        String run = unique("cancel");
        publish(Fixtures.fromArch(run, 500, 3).build());
        awaitJob(run);
        CompletableFuture<Integer> pod = CompletableFuture.supplyAsync(() -> runPod(run, "c4nc3"));
        await("the pod trains").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> row(run), r -> RunRow.RUNNING.equals(r.state()) && r.currentEpoch() >= 1);

        TrainingRun r = client.blocking("write-token").cancelTrainingRun(CancelTrainingRunRequest.newBuilder()
                .setName("trainingRuns/" + run).build());
        assertEquals(TrainingRun.State.CANCELLED, r.getState(), "ended at once");
        assertNull(job(run).get(), "the Job is deleted");
        assertEquals(PodRun.ENDED, pod.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the pod saw the run end and stopped");
        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.CANCELLED, c.getStatus());
        assertTrue(row(run).currentEpoch() < 500);
        // the reconciler does not bring the Job back, and there is one completion
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> job(run).get() == null);
        assertEquals(1, Fixtures.completions(run).size());
        TrainingRun got = client.blocking("read-token").getTrainingRun(GetTrainingRunRequest.newBuilder().setName("trainingRuns/" + run)
                .build());
        assertEquals(TrainingRun.State.CANCELLED, got.getState());
    }

    @Test
    void theReconcilerRereadsTheJobsAfterARestart() throws Exception {
        // a run recorded while the service stopped before creating its Job: it gets one, once
        String missing = unique("missing");
        TrainingRequested req = Fixtures.fromArch(missing, 1, 4).build();
        repo.create(missing, req.toByteArray(), "", Mapper.modeName(req.getRetrainMode()), "", Plans.epochs(req));
        Job made = awaitJob(missing);
        // a restarted launcher (the same reconciliation from scratch), and the worker asked again: still one Job
        launcher.reconcile();
        publish(req);
        String marker = unique("marker");
        publish(Fixtures.fromArch(marker, 1, 4).build());
        awaitJob(marker);
        assertEquals(1, jobsOf(missing).size());
        assertEquals(made.getMetadata().getUid(), job(missing).get().getMetadata().getUid(), "not re-created");

        // its pod ran and died each time until the Job gave up: the run ends FAILED with the Job's reason
        String gaveUp = unique("gaveup");
        diedAfterEpochOne(gaveUp, missing, Fixtures.fromArch(gaveUp, 2, 4).build(), JobTemplate.podPrefix(gaveUp) + "dead9");
        awaitJob(gaveUp);
        status(gaveUp, new JobStatusBuilder().withActive(0).withFailed(4).addToConditions(new JobConditionBuilder().withType("Failed")
                .withStatus("True").withReason("BackoffLimitExceeded").withMessage("Job has reached the specified backoff limit").build())
                .build());
        TrainingCompleted failed = Fixtures.awaitCompleted(gaveUp, WAIT);
        assertEquals(TrainingRun.State.FAILED, failed.getStatus());
        assertTrue(failed.getFailureReason().contains("Kubernetes Job " + JobTemplate.jobName(gaveUp) + " failed: BackoffLimitExceeded"),
                failed.getFailureReason());
        assertEquals(RunRow.FAILED, row(gaveUp).state());

        // a Job that completed although its pod did not end the run (it exits 0 only after it did) fails the run too
        String odd = unique("odd");
        diedAfterEpochOne(odd, missing, Fixtures.fromArch(odd, 2, 4).build(), JobTemplate.podPrefix(odd) + "odd01");
        awaitJob(odd);
        status(odd, new JobStatusBuilder().withActive(0).withSucceeded(1).addToConditions(new JobConditionBuilder().withType("Complete")
                .withStatus("True").build()).build());
        TrainingCompleted oddEnd = Fixtures.awaitCompleted(odd, WAIT);
        assertEquals(TrainingRun.State.FAILED, oddEnd.getStatus());
        assertTrue(oddEnd.getFailureReason().contains("completed but its pod did not end the run"), oddEnd.getFailureReason());

        // a run cancelled while its Job could not be deleted: the reconciler deletes it
        String cancelled = unique("gone");
        TrainingRequested cr = Fixtures.fromArch(cancelled, 1, 4).build();
        repo.create(cancelled, cr.toByteArray(), "", Mapper.modeName(cr.getRetrainMode()), "", Plans.epochs(cr));
        awaitJob(cancelled);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = 'CANCELLED', "
                + "cancel_requested = true, end_time = now() WHERE id = ?")) {
            ps.setString(1, cancelled);
            assertEquals(1, ps.executeUpdate());
        }
        await("the cancelled run's Job deleted").atMost(WAIT).until(() -> job(cancelled).get() == null);
        assertFalse(jobsOf(missing).isEmpty(), "the unfinished run keeps its Job");
        assertNotNull(job(missing).get());
    }
}
