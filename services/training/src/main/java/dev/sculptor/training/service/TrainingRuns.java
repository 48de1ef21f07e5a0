package dev.sculptor.training.service;

import com.google.gson.JsonObject;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.train.EpochStats;
import dev.sculptor.engine.train.ProgressListener;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import dev.sculptor.engine.train.TrainingHook;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.datasets.DatasetResolver;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.Ended;
import dev.sculptor.platform.plans.PlanLimits;
import dev.sculptor.platform.requests.RequestBodies;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.platform.store.WorkDirs;
import dev.sculptor.platform.versions.VersionCheckout;
import dev.sculptor.platform.versions.VersionSource;
import dev.sculptor.training.events.OutboxRunner;
import dev.sculptor.training.events.TrainingEvents;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.kubernetes.KubernetesLauncher;
import dev.sculptor.training.kubernetes.LauncherMode;
import dev.sculptor.training.store.RunRow;
import dev.sculptor.training.store.TrainingRepository;
import dev.sculptor.training.store.TrainingRepository.Claim;
import dev.sculptor.training.store.TrainingRepository.Ending;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs training runs for the Kafka worker: record the run, claim it for this replica, build the
 * start network (or download the last epoch checkpoint of an interrupted attempt and continue after
 * it), train with the engine uploading a checkpoint after every epoch to
 * {@code runs/{run}/checkpoints/epoch-{n}/} with a {@code TrainingProgress} event, and end the run
 * with its {@code TrainingCompleted} event. The final model (with its test metrics in the manifest)
 * goes to {@code runs/{run}/checkpoints/final/}.
 */
@ApplicationScoped
public class TrainingRuns {
    private static final Logger LOG = Logger.getLogger(TrainingRuns.class);

    @Inject
    CheckpointStore store;

    @Inject
    DatasetResolver datasets;

    @Inject
    TrainingRepository repo;

    @Inject
    VersionSource versions;

    @Inject
    OutboxRunner outbox;

    @Inject
    MeterRegistry meters;

    @Inject
    PlanLimits limits;

    @Inject
    LauncherMode mode;

    @Inject
    KubernetesLauncher launcher;

    @ConfigProperty(name = "sculptor.training.max-attempts", defaultValue = "5")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.training.lease", defaultValue = "PT2M")
    Duration lease;

    @ConfigProperty(name = "sculptor.training.heartbeat-interval", defaultValue = "PT2S")
    Duration heartbeatInterval;

    @ConfigProperty(name = "sculptor.training.replica-id")
    Optional<String> replicaIdConfig;

    @ConfigProperty(name = "sculptor.training.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-training")
    Path workDir;

    /** Per-epoch checkpoints kept in the store per run (the newest ones); 0 keeps every epoch's. */
    @ConfigProperty(name = "sculptor.training.keep-epoch-checkpoints", defaultValue = "0")
    int keepEpochCheckpoints;

    private String replicaId;
    private Starts starts;
    private ScheduledExecutorService heartbeats;

    @PostConstruct
    void init() {
        replicaId = replicaIdConfig.filter(s -> !s.isBlank()).orElseGet(TrainingRuns::hostName);
        starts = new Starts(store);
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "training-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void close() {
        heartbeats.shutdownNow();
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "training-" + ProcessHandle.current().pid();
        }
    }

    public String replicaId() {
        return replicaId;
    }

    public Duration lease() {
        return lease;
    }

    /** Store prefix of a run's checkpoints. */
    public static String checkpointsPrefix(String run) {
        return "runs/" + run + "/checkpoints/";
    }

    public static String epochPrefix(String run, int epoch) {
        return checkpointsPrefix(run) + "epoch-" + epoch + "/";
    }

    /** The run stopped without ending: cancelled, or another replica took it over. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    /**
     * CreateTrainingRun: the request is checked as the worker will check it, an alias version name
     * is resolved to its number (through the registry when {@code sculptor.registry.grpc} is set;
     * otherwise only numbered versions stored at the registry's layout are accepted), and the run is
     * recorded {@code QUEUED} with its {@code TrainingRequested} in the outbox, in one transaction.
     * The worker then finds the queued run and trains it like any requested run. The plan must be within
     * this service's {@link PlanLimits} and the dataset allowed and its files there. A repeated
     * {@code requestId} returns the run the first call created, without checking anything again, as
     * long as the body is the same (ALREADY_EXISTS naming the fields that differ otherwise).
     *
     * @param req the request the workers will get: the run's name set, {@code prune_job} empty
     * @param requestId the caller's idempotency key, or null
     * @param body the call as it came, compared with the first call's body when {@code requestId} is reused
     */
    public RunRow create(TrainingRequested req, String requestId, CreateTrainingRunRequest body) {
        if (requestId != null) {
            Optional<RunRow> earlier = repo.findByRequestId(requestId);
            if (earlier.isPresent()) {
                RequestBodies.requireSame(requestId, body, repo.requestBody(requestId));
                return earlier.get();
            }
        }
        String field = "training_run.";
        limits.check(field + "plan", req.getPlan());
        limits.check(field + "dataset", req.getDataset());
        limits.checkEpochs(field + "epochs", req.getEpochs());
        TrainingRequested.Builder b = req.toBuilder();
        if (!req.getModelVersion().isEmpty()) {
            b.setModelVersion(versions.resolve(field + "model_version", req.getModelVersion()).name());
        }
        starts.validate(b.build(), field);
        if (req.getEpochs() < 0) {
            throw PlatformException.invalid(field + "epochs", "must be >= 0 (0: the plan's), got " + req.getEpochs());
        }
        int epochs = Plans.epochs(b.build());
        if (epochs < 1) {
            throw PlatformException.invalid(field + "epochs", "give epochs, or epochs in the plan (finetune_epochs for FINE_TUNE)");
        }
        // the epochs are resolved, as a prune job resolves them, so the stored request is what the worker trains
        TrainingRequested resolved = b.setEpochs(epochs).build();
        try {
            Plans.config(resolved, epochs, resolved.hasArch() ? resolved.getArch().getFamily() : "");
        } catch (IllegalArgumentException e) {
            throw new PlatformException(PlatformException.Code.INVALID_ARGUMENT, field + e.getMessage(), e);
        }
        try {
            datasets.check(resolved.getDataset().getUri(), EnumSet.allOf(DatasetResolver.Split.class));
        } catch (DatasetException | StoreException e) {
            throw Failures.classify(e);
        }
        String id = resolved.getTrainingRun().substring("trainingRuns/".length());
        TrainingRepository.Created c = repo.createRequested(id, resolved.toByteArray(), resolved.getModelVersion(),
                Mapper.modeName(resolved.getRetrainMode()), epochs, requestId, requestId == null ? null : RequestBodies.body(body),
                TrainingEvents.requested(resolved), Topics.TRAINING_REQUESTS);
        if (!c.created() && requestId != null) {
            RequestBodies.requireSame(requestId, body, repo.requestBody(requestId)); // a concurrent call with the same id won
        }
        if (c.created()) {
            outbox.wakeUp();
            LOG.infof("%s queued through the API", c.row().name());
        }
        return c.row();
    }

    /**
     * The Kafka worker's path. The request names the run, so a redelivered request (or another
     * request naming the same run) never starts a second run: a run that ended is left alone, a
     * run that is running elsewhere is waited for, an interrupted run resumes from its last epoch
     * checkpoint. Failures that may pass (store or database down) are thrown for the consumer to
     * retry; each start counts as an attempt and the run ends FAILED after
     * {@code sculptor.training.max-attempts}. Everything else ends the run FAILED at once, with the reason.
     */
    public void handleRequest(String id, TrainingRequested req, String requestEventId) {
        record(id, req);
        trainAs(id, replicaId, null, requestEventId);
    }

    /** Records a requested run {@code QUEUED} unless it exists; returns the stored row (new or old). */
    public RunRow record(String id, TrainingRequested req) {
        return repo.create(id, req.toByteArray(), req.getModelVersion(), Mapper.modeName(req.getRetrainMode()), req.getPruneJob(),
                Plans.epochs(req));
    }

    /**
     * A training pod's path ({@code sculptor.training.pod.run}): the run recorded by the service is claimed
     * by the pod and trained (or resumed) exactly as the worker does; a run held by an earlier pod of the
     * same Job (owner starting with {@code predecessors}) is taken over at once, since the Job makes a new
     * pod only when the previous one is gone. Failures that may pass are thrown (the pod exits non-zero and
     * the Job retries it).
     *
     * @return the run after this attempt
     */
    public RunRow trainPod(String id, String pod, String predecessors) {
        trainAs(id, pod, predecessors, null);
        return repo.find(id).orElseThrow(() -> PlatformException.notFound("trainingRuns/" + id));
    }

    private void processed(String requestEventId) {
        if (requestEventId != null) {
            repo.markProcessed(requestEventId);
        }
    }

    private void trainAs(String id, String owner, String predecessors, String requestEventId) {
        Claim claim;
        while (true) {
            claim = repo.claim(id, owner, lease, predecessors);
            if (claim.result() == TrainingRepository.ClaimResult.TERMINAL) {
                LOG.infof("trainingRuns/%s already %s; request event %s changes nothing", id, claim.row().state(), requestEventId);
                processed(requestEventId);
                return;
            }
            if (claim.result() == TrainingRepository.ClaimResult.CLAIMED) {
                break;
            }
            // another live replica trains it: wait until it ends, or until its lease runs out and the run is ours
            LOG.infof("trainingRuns/%s is being trained by %s; waiting", id, claim.row().owner());
            sleep(Duration.ofMillis(Math.max(200, Math.min(lease.toMillis() / 4, 5000))));
        }
        RunRow row = claim.row();
        TrainingRequested stored = Mapper.request(row);
        if (row.cancelRequested()) {
            end(row, new Ending(RunRow.CANCELLED, "", null, null, null), requestEventId);
            return;
        }
        if (row.attempts() > maxAttempts) {
            end(row, new Ending(RunRow.FAILED, "gave up after " + maxAttempts + " attempts"
                    + (row.lastError().isEmpty() ? " (the worker stopped during each)" : "; last error: " + row.lastError()), null, null,
                    null), requestEventId);
            return;
        }
        LOG.infof("trainingRuns/%s: attempt %d of %d on %s%s", id, row.attempts(), maxAttempts, owner,
                row.checkpointEpoch() > 0 ? ", resuming after epoch " + row.checkpointEpoch() : "");
        try {
            Ending ok = train(row, stored, owner);
            end(row, ok, requestEventId);
        } catch (Stopped s) {
            RunRow now = repo.find(id).orElseThrow();
            if (now.terminal()) {
                processed(requestEventId);
            } else if (now.cancelRequested()) {
                end(now, new Ending(RunRow.CANCELLED, "", null, null, null), requestEventId);
            } else {
                LOG.infof("trainingRuns/%s was taken over by %s", id, now.owner());
                processed(requestEventId);
            }
        } catch (RuntimeException e) {
            PlatformException re = Failures.classify(e);
            if (re.transientFailure() && row.attempts() >= maxAttempts) {
                // the last attempt: end the run rather than leave it to a retry that would only give up
                end(row, new Ending(RunRow.FAILED, "gave up after " + maxAttempts + " attempts; last error: " + re.getMessage(), null,
                        null, null), requestEventId);
                return;
            }
            if (re.transientFailure()) {
                try {
                    repo.recordError(id, re.getMessage());
                } catch (RuntimeException ignored) {
                    // the database may be what is down
                }
                throw re; // the consumer retries; the run stays RUNNING and the next attempt resumes
            }
            if (re.code() == PlatformException.Code.INTERNAL) {
                LOG.errorf(e, "trainingRuns/%s failed", id);
            }
            end(row, new Ending(RunRow.FAILED, re.getMessage(), null, null, null), requestEventId);
        }
    }

    private void end(RunRow row, Ending ending, String requestEventId) {
        Ended<RunRow> f = repo.finish(row.id(), ending, TrainingEvents::completed, Topics.TRAINING_EVENTS,
                requestEventId);
        if (f.ended()) {
            outbox.wakeUp();
            meters.counter("sculptor.training.runs", "state", ending.state().toLowerCase()).increment();
            LOG.infof("%s %s%s", row.name(), ending.state(), ending.failureReason() == null || ending.failureReason().isEmpty() ? ""
                    : ": " + ending.failureReason());
        }
    }

    /** Trains (or resumes) a claimed run; returns how it succeeded. */
    Ending train(RunRow row, TrainingRequested req, String owner) {
        starts.validate(req);
        if (row.epochs() < 1) {
            throw PlatformException.invalid("epochs", "is required (at least 1), got " + row.epochs());
        }
        Path dir = workDir.resolve("run-" + row.id());
        WorkDirs.deleteTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the work directory " + dir + ": " + e.getMessage(), e);
        }
        AtomicReference<byte[]> stepProgress = new AtomicReference<>();
        RunState state = new RunState(row.id(), owner, row.checkpointEpoch());
        ScheduledFuture<?> beat = heartbeats.scheduleWithFixedDelay(() -> beat(state, stepProgress), heartbeatInterval.toMillis(),
                heartbeatInterval.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return trainIn(dir, row, req, state, stepProgress);
        } finally {
            beat.cancel(false);
            WorkDirs.deleteTree(dir);
        }
    }

    /** What the heartbeat and the trainer's callbacks share. */
    static final class RunState {
        final String id;
        final String owner;
        volatile int epoch;
        volatile boolean stop;

        RunState(String id, String owner, int epoch) {
            this.id = id;
            this.owner = owner;
            this.epoch = epoch;
        }
    }

    private void beat(RunState s, AtomicReference<byte[]> progress) {
        try {
            if (!repo.heartbeat(s.id, s.owner, s.epoch, progress.getAndSet(null))) {
                s.stop = true;
            }
        } catch (RuntimeException e) {
            LOG.warnf("trainingRuns/%s: heartbeat failed: %s", s.id, e.getMessage());
        }
    }

    private Ending trainIn(Path dir, RunRow row, TrainingRequested req, RunState state, AtomicReference<byte[]> stepProgress) {
        String id = row.id();
        ResolvedDataset data = datasets.resolve(req.getDataset().getUri(), EnumSet.allOf(DatasetResolver.Split.class));
        DataSpec ds = new DataSpec(data.name(), data.dir(), req.getDataset().getTrainSubset(), req.getDataset().getTestSubset());
        Path ckpt = dir.resolve("checkpoint");
        int resumeAfter = row.checkpointEpoch();
        // an earlier attempt stopped: continue after its last uploaded epoch (weights, masks, optimizer
        // state); the trainer resumes from the checked-out directory, so it stays until the run ends
        VersionCheckout resumed = resumeAfter > 0 ? VersionCheckout.open(store, epochPrefix(id, resumeAfter), null, null, ckpt) : null;
        Network net = resumed != null ? resumed.takeNetwork() : starts.start(req, req.getPlan().hasSeed() ? req.getPlan().getSeed() : 1, dir);
        try {
            TrainConfig base = Plans.config(req, row.epochs(), net.spec().family());
            if (!ds.inputShape().equals(net.spec().inputShape())) {
                throw PlatformException.invalid("dataset", net.spec().name() + " takes " + net.spec().inputShape() + " images but "
                        + data.name() + " has " + ds.inputShape());
            }
            ImageDataset train = ds.train();
            ImageDataset test = ds.test();
            if (train.numClasses() != net.spec().numClasses()) {
                throw PlatformException.invalid("dataset", net.spec().name() + " predicts " + net.spec().numClasses() + " classes but "
                        + data.name() + " has " + train.numClasses());
            }
            TrainConfig tc = base.withCheckpoints(ckpt, true);
            JsonObject settings = new JsonObject();
            settings.addProperty("trainingRun", "trainingRuns/" + id);
            settings.addProperty("epochs", tc.epochs());
            settings.addProperty("lr", tc.lr());
            settings.addProperty("schedule", tc.schedule());
            settings.addProperty("seed", tc.seed());
            String parent = req.getModelVersion().isEmpty() ? null : req.getModelVersion();
            ModelCheckpoint.Info info = new ModelCheckpoint.Info(new Manifest.Lineage(parent,
                    Plans.methodId(req.getRetrainMode()), settings), Map.of());
            Trainer trainer = new Trainer(tc).checkpointInfo(info)
                    .hook(new TrainingHook() {
                        @Override
                        public void afterStep(dev.sculptor.engine.arch.Network n) {
                            if (state.stop) {
                                throw new Stopped();
                            }
                        }
                    })
                    .listener(new ProgressListener() {
                        @Override
                        public void onStep(int epoch, int epochs, int step, int steps, double loss, double accuracy, double ips) {
                            state.epoch = epoch + 1;
                            stepProgress.set(EpochProgress.newBuilder().setEpoch(epoch + 1).setEpochs(epochs).setStep(step)
                                    .setSteps(steps).setLearningRate(tc.scheduleFunction().lr(epoch, (epoch + (double) step / steps)
                                            / epochs)).setLoss(loss).setAccuracy(accuracy).setImagesPerSecond(ips).build().toByteArray());
                        }

                        @Override
                        public void onEpoch(EpochStats s) {
                            epochDone(id, ckpt, s, train.size(), tc.batchSize(), state);
                        }
                    });
            long t0 = System.nanoTime();
            Trainer.Result r;
            try {
                r = trainer.train(net, train, test);
            } catch (CheckpointException e) {
                throw new CheckpointException(VersionCheckout.rename(e.getMessage(), ckpt, store.uri(epochPrefix(id, resumeAfter))), e);
            }
            meters.timer("sculptor.training.train").record(Duration.ofNanos(System.nanoTime() - t0));
            if (r.resumedAfterEpoch() >= 0) {
                LOG.infof("trainingRuns/%s resumed after epoch %d", id, r.resumedAfterEpoch() + 1);
            }
            // the trained model with its test metrics, beside the per-epoch checkpoints
            Evaluator.Result ev = Evaluator.evaluate(net, test, 256);
            ModelStats stats = ModelStats.of(net);
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("accuracy", ev.accuracy());
            metrics.put("loss", ev.loss());
            metrics.put("params", (double) stats.params());
            metrics.put("flops", (double) stats.flops());
            Path out = dir.resolve("final");
            ModelCheckpoint.save(out, net, info.withMetrics(metrics), null, null);
            String prefix = checkpointsPrefix(id) + "final/";
            Map<String, String> shas = store.putDirectory(out, prefix);
            ModelMetrics.Builder m = ModelMetrics.newBuilder().setParams(stats.params()).setFlops(stats.flops())
                    .setEvaluatedExamples(ev.examples());
            if (Double.isFinite(ev.accuracy())) {
                m.setAccuracy(ev.accuracy());
            }
            if (Double.isFinite(ev.loss())) {
                m.setLoss(ev.loss());
            }
            return new Ending(RunRow.SUCCEEDED, "", store.uri(prefix), shas.get("manifest.json"), m.build().toByteArray());
        } finally {
            net.close();
            if (resumed != null) {
                resumed.close();
            }
        }
    }

    /** After the engine wrote an epoch's checkpoint: upload it, then record the epoch with its progress event. */
    private void epochDone(String id, Path ckpt, EpochStats s, int trainSize, int batch, RunState state) {
        int epoch = s.epoch() + 1;
        store.putDirectory(ckpt, epochPrefix(id, epoch));
        EpochProgress.Builder p = EpochProgress.newBuilder().setEpoch(epoch).setEpochs(s.epochs())
                .setStep((trainSize + batch - 1) / batch).setSteps((trainSize + batch - 1) / batch).setLearningRate(s.lr())
                .setLoss(s.trainLoss()).setAccuracy(s.trainAccuracy()).setImagesPerSecond(s.imagesPerSecond()).setEpochFinished(true);
        if (Double.isFinite(s.testLoss())) {
            p.setTestLoss(s.testLoss());
        }
        if (Double.isFinite(s.testAccuracy())) {
            p.setTestAccuracy(s.testAccuracy());
        }
        RunRow row = repo.epochDone(id, state.owner, epoch, p.build().toByteArray(), TrainingEvents::progress, Topics.TRAINING_EVENTS);
        state.epoch = epoch;
        outbox.wakeUp();
        if (keepEpochCheckpoints > 0 && epoch - keepEpochCheckpoints >= 1) {
            try {
                store.deletePrefix(epochPrefix(id, epoch - keepEpochCheckpoints));
            } catch (RuntimeException e) {
                LOG.warnf("trainingRuns/%s: cannot delete the checkpoint of epoch %d: %s", id, epoch - keepEpochCheckpoints,
                        e.getMessage());
            }
        }
        if (!RunRow.RUNNING.equals(row.state()) || !state.owner.equals(row.owner()) || row.cancelRequested()) {
            throw new Stopped();
        }
    }

    /**
     * Cancel from the API. Local: a run a live replica trains is flagged and that replica ends it. Kubernetes: the
     * run ends {@code CANCELLED} now and its Job is deleted (its pod, if still running, sees the run ended and stops);
     * a Job that cannot be deleted now is deleted by the launcher's reconciler.
     */
    public RunRow cancel(String id) {
        boolean jobs = mode.kubernetes();
        Ended<RunRow> f = repo.cancel(id, jobs ? Duration.ZERO : lease, TrainingEvents::completed, Topics.TRAINING_EVENTS);
        if (f.ended()) {
            outbox.wakeUp();
            meters.counter("sculptor.training.runs", "state", "cancelled").increment();
        }
        if (jobs) {
            try {
                launcher.deleteJob(id);
            } catch (RuntimeException e) {
                LOG.warnf("trainingRuns/%s: cancelled, its Job is left to the reconciler: %s", id, e.getMessage());
            }
        }
        return f.row();
    }

    /**
     * Ends a run that has not ended {@code FAILED} with the reason (e.g. its Kubernetes Job gave up), with its
     * {@code TrainingCompleted}; false when it had ended already.
     */
    public boolean failed(String id, String reason) {
        Ended<RunRow> f = repo.finish(id, new Ending(RunRow.FAILED, reason, null, null, null), TrainingEvents::completed,
                Topics.TRAINING_EVENTS, null);
        if (f.ended()) {
            outbox.wakeUp();
            meters.counter("sculptor.training.runs", "state", "failed").increment();
            LOG.infof("trainingRuns/%s FAILED: %s", id, reason);
        }
        return f.ended();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PlatformException.unavailable("interrupted while waiting for another replica", e);
        }
    }
}
