package dev.sculptor.pruning.service;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.ChannelScores;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.prune.StructuredPruner;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.datasets.DatasetResolver;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.pruning.service.JobException.Code;
import dev.sculptor.pruning.store.JobRepository;
import dev.sculptor.pruning.store.JobRepository.Stored;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The PRUNING step of the saga, run by a worker thread of each replica: take a job in PRUNING (a
 * lease in the database, so a replica that dies mid-step leaves the job to another), download the
 * version, shrink it with the engine, store the pruned checkpoint under {@code jobs/{job}/pruned/}
 * and register it (lineage: parent, job, method, settings, triggering event) with a request id
 * derived from the job, so a repeated step registers nothing twice.
 *
 * <p>Channel methods (L1-norm, Network Slimming, Soft Filter Pruning) shrink with the kept channels
 * the scoring service stored, i.e. the engine's decision on exactly this checkpoint; Sparse Structure
 * Selection and weight-level pruning re-run the engine's policy (their scores are statistics); ThiNet
 * and channel regression sample the training data here.
 */
@ApplicationScoped
public class PruningStep {
    private static final Logger LOG = Logger.getLogger(PruningStep.class);

    @Inject
    JobRepository jobs;

    @Inject
    PruneJobs saga;

    @Inject
    dev.sculptor.pruning.clients.RegistryClient registry;

    @Inject
    CheckpointStore store;

    @Inject
    DatasetResolver datasets;

    @ConfigProperty(name = "sculptor.pruning.step.lease", defaultValue = "PT10M")
    Duration lease;

    @ConfigProperty(name = "sculptor.pruning.step.max-attempts", defaultValue = "3")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.pruning.step.poll", defaultValue = "PT1S")
    Duration poll;

    @ConfigProperty(name = "sculptor.pruning.scratch-b-cap", defaultValue = "4.0")
    double scratchBCap;

    @ConfigProperty(name = "sculptor.pruning.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-pruning")
    Path workDir;

    @ConfigProperty(name = "sculptor.pruning.worker.enabled", defaultValue = "true")
    boolean enabled;

    private final String owner = ownerName();
    private volatile boolean running;
    private Thread thread;
    private final Object wake = new Object();
    private final java.util.concurrent.ScheduledExecutorService renewer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pruning-step-lease");
        t.setDaemon(true);
        return t;
    });

    void onStart(@Observes StartupEvent e) {
        if (enabled) {
            running = true;
            thread = new Thread(this::loop, "pruning-step");
            thread.setDaemon(true);
            thread.start();
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        running = false;
        renewer.shutdownNow();
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Looks for work now instead of at the next poll. */
    public void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean isRunning() {
        return running && thread != null && thread.isAlive();
    }

    private void loop() {
        while (running) {
            try {
                Optional<Stored> claimed = jobs.claimStep(owner, lease);
                if (claimed.isPresent()) {
                    runClaimed(claimed.get());
                    continue;
                }
            } catch (RuntimeException e) {
                LOG.warnf("pruning step: %s", e.getMessage());
            } catch (Error e) {
                // the thread must outlive a failed step, or PRUNING jobs would wait for a restart
                LOG.errorf(e, "pruning step: %s", e.getMessage());
            }
            synchronized (wake) {
                try {
                    wake.wait(poll.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void runClaimed(Stored s) {
        String id = s.id();
        if (s.stepAttempts() > maxAttempts + 2) {
            // claimed again and again without ending: the replicas doing it die (out of memory?) or outlive their lease
            saga.failStep(id, owner, "pruning was started " + (s.stepAttempts() - 1) + " times without finishing (did the pruning replica "
                    + "die, or take longer than sculptor.pruning.step.lease = " + lease + "?)");
            return;
        }
        // the lease is renewed while the step runs, so only a replica that died loses it
        java.util.concurrent.ScheduledFuture<?> renewal = renewer.scheduleAtFixedRate(() -> {
            try {
                jobs.renewStep(id, owner, lease);
            } catch (RuntimeException e) {
                LOG.warnf("%s: cannot renew the pruning lease: %s", s.job().getName(), e.getMessage());
            }
        }, Math.max(1, lease.toMillis() / 3), Math.max(1, lease.toMillis() / 3), java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            Result r = prune(s);
            saga.pruned(id, owner, r.version(), r.flopsRatio(), r.family(), scratchBCap);
        } catch (OutOfMemoryError e) {
            LOG.errorf(e, "%s: pruning ran out of memory", s.job().getName());
            saga.failStep(id, owner, "pruning failed: out of memory (raise the pruning service's heap, or prune with fewer "
                    + "sampled images)");
        } catch (RuntimeException e) {
            JobException je = classify(e);
            if (je.transientFailure() && s.stepAttempts() < maxAttempts) {
                Duration delay = Duration.ofSeconds(5L << Math.min(6, s.stepAttempts()));
                LOG.warnf("%s: pruning attempt %d of %d failed, again in %ds: %s", s.job().getName(), s.stepAttempts(), maxAttempts,
                        delay.toSeconds(), je.getMessage());
                jobs.releaseStep(id, owner, delay);
            } else {
                if (je.code() == Code.INTERNAL) {
                    LOG.errorf(e, "%s: pruning failed", s.job().getName());
                }
                saga.failStep(id, owner, "pruning failed: " + je.getMessage());
            }
        } finally {
            renewal.cancel(false);
        }
    }

    /** The registered pruned version, its FLOPs reduction and the architecture family. */
    record Result(String version, double flopsRatio, String family) {}

    Result prune(Stored s) {
        PruneJob job = s.job();
        Path work = workDir.resolve(s.id() + "-" + UUID.randomUUID());
        try {
            ModelVersion v = registry.get(job.getModelVersion());
            String prefix = prefixOf(v.getCheckpoint().getUri(), "the version's checkpoint");
            Path src = work.resolve("source");
            store.getDirectory(prefix, src);
            JsonObject settings;
            Path out = work.resolve("pruned");
            ModelStats before;
            ModelStats after;
            String methodId = Methods.id(job.getMethod().getMethod());
            try (Network net = load(src, v.getCheckpoint().getUri())) {
                before = ModelStats.of(net);
                PruningMethod method = Methods.create(job.getMethod(), () -> trainingData(job));
                Network pruned;
                if (Methods.usesStoredChannels(job.getMethod().getMethod())) {
                    Map<String, int[]> keep = storedKeep(s.scoresUri());
                    pruned = StructuredPruner.shrink(net, keep, net.spec().name() + "-" + methodId);
                    settings = method.settings();
                } else {
                    PruneResult r = method.prune(net);
                    pruned = r.network();
                    settings = r.settings();
                }
                try (Network p = pruned) {
                    after = ModelStats.of(p);
                    settings.addProperty("prune_job", job.getName());
                    ModelCheckpoint.save(out, p, new ModelCheckpoint.Info(new Manifest.Lineage(job.getModelVersion(), methodId,
                            settings), Map.of()), null, null);
                }
            }
            // a prefix per claim: a replica that lost its lease cannot overwrite what the registry may be copying
            String dest = "jobs/" + s.id() + "/pruned/" + s.stepAttempts() + "/";
            store.deletePrefix(dest);
            store.putDirectory(out, dest);
            Struct.Builder st = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(settings.toString(), st);
            } catch (InvalidProtocolBufferException e) {
                throw new JobException(Code.INTERNAL, "settings are not JSON: " + e.getMessage(), e);
            }
            Lineage lineage = Lineage.newBuilder().setParentVersion(job.getModelVersion()).setPruneJob(job.getName())
                    .setMethod(methodId).setSettings(st).setTriggerEventId(job.getTriggerEventId()).build();
            ModelVersion registered = registry.register(job.getTargetModel(), store.uri(dest), lineage,
                    job.getName() + ": " + methodId + " of " + job.getModelVersion() + ", not retrained",
                    Names.stableUuid(job.getName() + "/pruned"));
            double ratio = (double) before.flops() / Math.max(1, after.flops());
            LOG.infof("%s: pruned %s -> %s: FLOPs %d -> %d, params %d -> %d", job.getName(), job.getModelVersion(), registered.getName(),
                    before.flops(), after.flops(), before.params(), after.params());
            return new Result(registered.getName(), ratio, v.getArch().getFamily());
        } finally {
            deleteQuietly(work);
        }
    }

    private Network load(Path dir, String uri) {
        try {
            return ModelCheckpoint.load(dir).network();
        } catch (CheckpointException e) {
            throw new JobException(Code.FAILED_PRECONDITION, e.getMessage().replace(dir.toString(), uri), e);
        }
    }

    /** The kept channels the scoring service stored in {@code scores.json}. */
    Map<String, int[]> storedKeep(String scoresUri) {
        String key = prefixOf(scoresUri, "scores_uri") + "scores.json";
        ScoreModelResponse.Builder b = ScoreModelResponse.newBuilder();
        try (InputStream in = store.open(key)) {
            JsonFormat.parser().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), b);
        } catch (InvalidProtocolBufferException e) {
            throw new JobException(Code.FAILED_PRECONDITION, store.uri(key) + " is not a ScoreModelResponse: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new JobException(Code.UNAVAILABLE, "cannot read " + store.uri(key) + ": " + e.getMessage(), e);
        }
        Map<String, int[]> keep = new LinkedHashMap<>();
        for (ChannelScores c : b.getChannelScoresList()) {
            keep.put(c.getSpace(), c.getKeptChannelsList().stream().mapToInt(Integer::intValue).toArray());
        }
        if (keep.isEmpty()) {
            throw new JobException(Code.FAILED_PRECONDITION, store.uri(key) + " holds no channel scores");
        }
        return keep;
    }

    private ImageDataset trainingData(PruneJob job) {
        ResolvedDataset d = datasets.resolve(job.getDataset().getUri(), EnumSet.of(DatasetResolver.Split.TRAIN));
        return new DataSpec(d.name(), d.dir(), job.getDataset().getTrainSubset(), job.getDataset().getTestSubset()).train();
    }

    private String prefixOf(String uri, String what) {
        String ours = "s3://" + store.bucket() + "/";
        if (uri == null || !uri.startsWith(ours)) {
            throw new JobException(Code.FAILED_PRECONDITION, what + " " + uri + " is not in this service's bucket (" + ours + ")");
        }
        String p = uri.substring(ours.length());
        return p.endsWith("/") ? p : p + "/";
    }

    /** Failures that may pass (a part of the platform down) are UNAVAILABLE; the rest end the job. */
    static JobException classify(Throwable e) {
        if (e instanceof JobException je) {
            return je;
        }
        if (e instanceof PlatformException pe) {
            return new JobException(Code.valueOf(pe.code().name()), pe.getMessage(), pe);
        }
        if (e instanceof StoreException.Unavailable) {
            return new JobException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof StoreException || e instanceof CheckpointException || e instanceof DatasetException
                || e instanceof dev.sculptor.engine.data.DataException || e instanceof IllegalArgumentException) {
            return new JobException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof UncheckedIOException) {
            return new JobException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        return new JobException(Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a leftover work directory is harmless
        }
    }

    private static String ownerName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "/" + ProcessHandle.current().pid();
        } catch (IOException e) {
            return "pruning/" + ProcessHandle.current().pid();
        }
    }
}
