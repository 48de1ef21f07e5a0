package dev.sculptor.pruning.service;

import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruningRequested;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.MethodDef;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.datasets.DatasetResolver;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.WorkDirs;
import dev.sculptor.platform.versions.VersionCheckout;
import dev.sculptor.pruning.saga.SagaEvent;
import dev.sculptor.pruning.store.JobRepository.Stored;
import dev.sculptor.pruning.store.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The PRUNING step of the saga: on a {@code PruningRequested} (sent by the saga's table through the outbox and
 * consumed by {@link dev.sculptor.pruning.events.PruningStepWorker}), download the version, shrink it with the
 * engine, store the pruned checkpoint under {@code jobs/{job}/pruned/{start}/} ({@code start}: the job's count of
 * starts of this step) and register it (lineage: parent, job, method, settings, triggering event) with a request
 * id derived from the job only. A redelivered request, or one taken again after a restart, redoes the step under
 * the next start's prefix and registers nothing twice (the registry returns the version of the first request
 * id); a request for a job no longer in PRUNING is skipped.
 *
 * <p>The decision is the engine's {@link PrunePlan}: the one the scoring service made on exactly this checkpoint
 * and stored beside the scores ({@code plan.json}), or, for the methods that sample training data while they
 * prune (ThiNet, channel regression) and for scores stored without a plan (a job scored by an older scoring
 * replica), one made here. A prefix per start means that should two replicas ever run one step at once (a
 * redelivery while the first still runs), neither overwrites the files the other registered, and the
 * registry's request id lets only one version in.
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

    @ConfigProperty(name = "sculptor.pruning.step.max-attempts", defaultValue = "3")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.pruning.step.backoff", defaultValue = "PT5S")
    Duration backoff;

    @ConfigProperty(name = "sculptor.pruning.scratch-b-cap", defaultValue = "4.0")
    double scratchBCap;

    @ConfigProperty(name = "sculptor.pruning.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-pruning")
    Path workDir;

    /**
     * Runs the step for one request. Failures that may pass are tried again here, up to
     * {@code sculptor.pruning.step.max-attempts} times with a growing pause, and then fail the job; other
     * failures fail it at once. An exception escapes only when the saga's own transaction cannot be written
     * (the database is down): the consumer then takes the request again.
     */
    public void run(PruningRequested r, String eventId) {
        String id = Names.jobIdOrNull(r.getPruneJob());
        Optional<Stored> found = id == null ? Optional.empty() : jobs.find(id);
        if (found.isEmpty() || found.get().job().getState() != State.PRUNING) {
            return; // not ours, done already or ended meanwhile: a redelivered or late request
        }
        PruneJob job = found.get().job();
        int starts = jobs.startStep(id);
        if (starts > maxAttempts + 2) {
            // started again and again without ending: the replicas doing it die (out of memory?)
            saga.apply(id, eventId, new SagaEvent.PruningFailed("pruning was started " + (starts - 1) + " times without finishing "
                    + "(did the pruning replica die, e.g. out of memory?)"));
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                Result res = prune(id, job, r.getScoresUri(), starts);
                saga.apply(id, eventId, new SagaEvent.Pruned(res.version(), res.flopsRatio(), res.family(), scratchBCap));
                return;
            } catch (OutOfMemoryError e) {
                LOG.errorf(e, "%s: pruning ran out of memory", job.getName());
                saga.apply(id, eventId, new SagaEvent.PruningFailed("pruning failed: out of memory (raise the pruning service's "
                        + "heap, or prune with fewer sampled images)"));
                return;
            } catch (StackOverflowError | LinkageError e) {
                // e.g. a native library that does not load: the job cannot prune here, and the step's consumer must live on
                LOG.errorf(e, "%s: pruning failed", job.getName());
                saga.apply(id, eventId, new SagaEvent.PruningFailed("pruning failed: " + e));
                return;
            } catch (RuntimeException e) {
                PlatformException je = classify(e);
                if (je.transientFailure() && attempt < maxAttempts && !ended(id)) {
                    Duration delay = backoff.multipliedBy(1L << Math.min(6, attempt - 1));
                    LOG.warnf("%s: pruning attempt %d of %d failed, again in %d ms: %s", job.getName(), attempt, maxAttempts,
                            delay.toMillis(), je.getMessage());
                    sleep(delay);
                    continue;
                }
                if (je.code() == Code.INTERNAL) {
                    LOG.errorf(e, "%s: pruning failed", job.getName());
                }
                saga.apply(id, eventId, new SagaEvent.PruningFailed("pruning failed" + (je.transientFailure() ? " after " + attempt
                        + " attempts" : "") + ": " + je.getMessage()));
                return;
            }
        }
    }

    private boolean ended(String id) {
        return jobs.find(id).map(s -> s.job().getState() != State.PRUNING).orElse(true);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException(Code.UNAVAILABLE, "interrupted while waiting to prune again", e);
        }
    }

    /** The registered pruned version, its FLOPs reduction and the architecture family. */
    record Result(String version, double flopsRatio, String family) {}

    Result prune(String id, PruneJob job, String scoresUri, int start) {
        Path work = WorkDirs.createTemp(workDir, id + "-");
        try {
            ModelVersion v = registry.get(job.getModelVersion());
            String prefix = prefixOf(v.getCheckpoint().getUri(), "the version's checkpoint");
            String digest = v.getCheckpoint().getManifestSha256();
            JsonObject settings;
            Path out = work.resolve("pruned");
            ModelStats before;
            ModelStats after;
            String methodId = Methods.id(job.getMethod().getMethod());
            try (VersionCheckout source = VersionCheckout.open(store, prefix, digest.isEmpty() ? null : digest,
                    VersionCheckout.REGISTRY_RECORDED, work.resolve("source"))) {
                Network net = source.network();
                before = ModelStats.of(net);
                // the engine's decision: the plan the scoring service made on this checkpoint, else made here
                // (the methods that sample training data are not scored ahead)
                PrunePlan plan = storedPlan(scoresUri).orElseGet(() -> Methods.plan(job.getMethod(), net, () -> trainingData(job)));
                if (plan.def().scoredAhead() && plan.def().granularity() == MethodDef.Granularity.CHANNELS) {
                    // the names this service has always registered for the channel methods' pruned architectures
                    plan = plan.withPruned(net.spec().name() + "-" + methodId);
                }
                settings = plan.settings();
                try (Network p = plan.apply(net)) {
                    after = ModelStats.of(p);
                    settings.addProperty("prune_job", job.getName());
                    ModelCheckpoint.save(out, p, new ModelCheckpoint.Info(new Manifest.Lineage(job.getModelVersion(), methodId,
                            settings), Map.of()), null, null);
                }
            }
            // one place per start, so a start never overwrites what another one registered
            String dest = "jobs/" + id + "/pruned/" + start + "/";
            store.deletePrefix(dest);
            store.putDirectory(out, dest);
            Struct.Builder st = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(settings.toString(), st);
            } catch (InvalidProtocolBufferException e) {
                throw new PlatformException(Code.INTERNAL, "settings are not JSON: " + e.getMessage(), e);
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
            WorkDirs.deleteTree(work);
        }
    }

    /**
     * The engine's plan the scoring service stored beside the scores ({@code plan.json}); empty when the job was not
     * scored, or was scored before plans were stored beside the scores.
     */
    Optional<PrunePlan> storedPlan(String scoresUri) {
        if (scoresUri.isEmpty()) {
            return Optional.empty();
        }
        String prefix = prefixOf(scoresUri, "scores_uri");
        String key = prefix + PrunePlan.FILE;
        if (!store.exists(key)) {
            if (!store.exists(prefix + "scores.json")) {
                throw new PlatformException(Code.FAILED_PRECONDITION, "no scores at " + scoresUri + " (neither scores.json nor "
                        + PrunePlan.FILE + ")");
            }
            // scored by a scoring service that stored no plan yet: the engine plans again, with the same result
            LOG.infof("%s has no %s: planning here", scoresUri, PrunePlan.FILE);
            return Optional.empty();
        }
        String json;
        try (InputStream in = store.open(key)) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PlatformException(Code.UNAVAILABLE, "cannot read " + store.uri(key) + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(PrunePlan.fromJson(json));
        } catch (RuntimeException e) {
            throw new PlatformException(Code.FAILED_PRECONDITION, store.uri(key) + " is not a pruning plan: " + e.getMessage(), e);
        }
    }

    private ImageDataset trainingData(PruneJob job) {
        ResolvedDataset d = datasets.resolve(job.getDataset().getUri(), EnumSet.of(DatasetResolver.Split.TRAIN));
        return new DataSpec(d.name(), d.dir(), job.getDataset().getTrainSubset(), job.getDataset().getTestSubset()).train();
    }

    private String prefixOf(String uri, String what) {
        String ours = "s3://" + store.bucket() + "/";
        if (uri == null || !uri.startsWith(ours)) {
            throw new PlatformException(Code.FAILED_PRECONDITION, what + " " + uri + " is not in this service's bucket (" + ours + ")");
        }
        String p = uri.substring(ours.length());
        return p.endsWith("/") ? p : p + "/";
    }

    /**
     * Failures that may pass (a part of the platform down) are UNAVAILABLE; the rest end the job. The engine
     * refuses a plan or a setting with an IllegalArgumentException: the job's fault, not a bug.
     */
    static PlatformException classify(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return new PlatformException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        return Failures.classify(e);
    }
}
