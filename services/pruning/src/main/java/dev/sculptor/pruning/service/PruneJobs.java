package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.datasets.DatasetResolver;
import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.plans.PlanLimits;
import dev.sculptor.platform.requests.RequestBodies;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.pruning.clients.RegistryClient;
import dev.sculptor.pruning.clients.TrainingClient;
import dev.sculptor.pruning.events.OutboxRunner;
import dev.sculptor.pruning.saga.Saga;
import dev.sculptor.pruning.saga.SagaEvent;
import dev.sculptor.pruning.store.JobRepository.Change;
import dev.sculptor.pruning.store.JobRepository.Stored;
import dev.sculptor.pruning.store.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The prune-job service around {@link Saga}, the saga's table: validates and creates jobs, and turns each
 * answer of another service into a {@link SagaEvent} that {@link #apply} runs through the table in one
 * database transaction with the outbox messages it sends, the watch events it shows and the processed
 * mark of the event that caused it. The only calls made here besides the table's are idempotent ones that
 * an event needs before it can be applied: resolving the version at create, and registering a trained
 * candidate (its request id derives from the job and the run, so a step repeated after a crash registers
 * nothing twice).
 */
@ApplicationScoped
public class PruneJobs {
    private static final Logger LOG = Logger.getLogger(PruneJobs.class);

    @Inject
    JobRepository jobs;

    @Inject
    RegistryClient registry;

    @Inject
    TrainingClient training;

    @Inject
    OutboxRunner outbox;

    @Inject
    DatasetResolver datasets;

    @Inject
    PlanLimits limits;

    public static boolean terminal(State s) {
        return Saga.terminal(s);
    }

    // ---------------------------------------------------------------------------------------- create

    /** Who started a job: the API (both null) or a trigger on a registry event. */
    public record Origin(String triggerName, String eventId) {
        public static final Origin API = new Origin(null, null);
    }

    /**
     * Validates and starts a job: resolves an alias to the numbered version, records the job and its first
     * step ({@link Saga#start}).
     */
    public Stored create(PruneJob spec, String id, String requestId, Origin origin) {
        CreatePruneJobRequest request = CreatePruneJobRequest.newBuilder().setPruneJob(spec).setPruneJobId(id == null ? "" : id).build();
        if (requestId != null && !requestId.isEmpty()) {
            Optional<Stored> earlier = earlier(requestId, request);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        if (id == null || id.isEmpty()) {
            id = Names.newId();
        } else {
            Names.checkId("prune_job_id", id);
        }
        PruneJob job = validate(spec, id, origin);
        checkCosts(job, "prune_job");
        ModelVersion v = registry.get(job.getModelVersion());
        if (v.getState() != ModelVersion.State.READY) {
            throw PlatformException.precondition("model_version: " + v.getName() + " is " + v.getState() + ", not READY");
        }
        PruneJob.Builder b = job.toBuilder().setModelVersion(v.getName());
        if (b.getTargetModel().isEmpty()) {
            b.setTargetModel(Names.modelOf("model_version", v.getName()));
        }
        Change first = Saga.start(b.build(), v.getArch().getFamily(), Instant.now()).change();
        PruneJob created = first.job();
        try {
            boolean keyed = requestId != null && !requestId.isEmpty();
            Stored s = jobs.insert(id, created, keyed ? requestId : null, keyed ? RequestBodies.body(request) : null, first.outbox(),
                    first.watch(), origin.triggerName() == null ? null : Names.triggerId("reprune_trigger", origin.triggerName()));
            outbox.wakeUp();
            LOG.infof("%s: created on %s (%s, %s): %s", created.getName(), created.getModelVersion(), Methods.id(created.getMethod()
                    .getMethod()), created.getCandidatesList().stream().map(PruneJob.Candidate::getLabel).toList(), created.getState());
            return s;
        } catch (PlatformException e) {
            if (e.code() == Code.ALREADY_EXISTS) {
                if (requestId != null && !requestId.isEmpty()) {
                    Optional<Stored> raced = earlier(requestId, request);
                    if (raced.isPresent()) {
                        return raced.get();
                    }
                }
                throw new PlatformException(Code.ALREADY_EXISTS, Names.job(id) + " already exists", e);
            }
            throw e;
        }
    }

    /** The job an earlier call with this request id created; ALREADY_EXISTS when that call's body was another (AIP-155). */
    private Optional<Stored> earlier(String requestId, CreatePruneJobRequest request) {
        Optional<Stored> earlier = jobs.findByRequestId(requestId);
        if (earlier.isPresent()) {
            RequestBodies.requireSame(requestId, request, jobs.requestBody(requestId));
        }
        return earlier;
    }

    /**
     * What a job (or a trigger's template, {@code field} {@code reprune_trigger.template}) would cost and
     * read: the plan within this service's limits, the dataset allowed and its files there (the training
     * split for the candidates, the test split for the evaluations). Asks the store, so it runs outside
     * any transaction.
     */
    public void checkCosts(PruneJob spec, String field) {
        limits.check(field + ".plan", spec.getPlan());
        limits.check(field + ".dataset", spec.getDataset());
        try {
            datasets.check(spec.getDataset().getUri(), EnumSet.allOf(DatasetResolver.Split.class));
        } catch (DatasetException | StoreException e) {
            throw Failures.classify(e);
        }
    }

    /** The job as it will be stored, before the registry is asked; names the field at fault. */
    static PruneJob validate(PruneJob spec, String id, Origin origin) {
        if (spec.getModelVersion().isEmpty()) {
            throw PlatformException.invalid("prune_job.model_version", "is required (models/{model}/versions/{version})");
        }
        Names.modelOf("prune_job.model_version", spec.getModelVersion());
        if (!spec.hasMethod()) {
            throw PlatformException.invalid("prune_job.method", "is required");
        }
        Methods.validate(spec.getMethod());
        Set<RetrainMode> modes = new LinkedHashSet<>();
        for (RetrainMode m : spec.getRetrainModesList()) {
            if (m == RetrainMode.RETRAIN_MODE_UNSPECIFIED || m == RetrainMode.UNRECOGNIZED) {
                throw PlatformException.invalid("prune_job.retrain_modes", "unspecified or unknown mode");
            }
            if (m == RetrainMode.LOTTERY_TICKET) {
                throw PlatformException.precondition("prune_job.retrain_modes: LOTTERY_TICKET rewinds to the baseline's initial "
                        + "weights, which a registered version does not carry; train such a run directly with an init_checkpoint");
            }
            if (!modes.add(m)) {
                throw PlatformException.invalid("prune_job.retrain_modes", m + " is given twice");
            }
        }
        if (modes.isEmpty()) {
            modes.add(RetrainMode.FINE_TUNE);
        }
        DatasetRef d = spec.getDataset();
        if (d.getUri().isBlank()) {
            throw PlatformException.invalid("prune_job.dataset.uri", "is required, e.g. fashion-mnist or cifar10:s3://bucket/prefix");
        }
        if (d.getTrainSubset() < 0 || d.getTestSubset() < 0) {
            throw PlatformException.invalid("prune_job.dataset", "train_subset and test_subset must be >= 0");
        }
        var p = spec.getPlan();
        if (p.getEpochs() < 0 || p.getFinetuneEpochs() < 0 || p.getBatchSize() < 0 || p.getLearningRate() < 0
                || p.getFinetuneLearningRate() < 0) {
            throw PlatformException.invalid("prune_job.plan", "epochs, finetune_epochs, batch_size and learning rates must be >= 0");
        }
        if (p.hasScratchBCap() && !(p.getScratchBCap() >= 1)) {
            throw PlatformException.invalid("prune_job.plan.scratch_b_cap", "must be >= 1, got " + p.getScratchBCap());
        }
        if (!spec.getTargetModel().isEmpty()) {
            Names.checkModel("prune_job.target_model", spec.getTargetModel());
        }
        if (spec.getDisplayName().length() > 128) {
            throw PlatformException.invalid("prune_job.display_name", "at most 128 characters, got " + spec.getDisplayName().length());
        }
        PruneJob.Builder b = PruneJob.newBuilder().setName(Names.job(id)).setModelVersion(spec.getModelVersion())
                .setMethod(spec.getMethod()).addAllRetrainModes(modes).setDataset(d).setPlan(p)
                .setTargetModel(spec.getTargetModel()).setDisplayName(spec.getDisplayName());
        for (RetrainMode m : modes) {
            String label = Budgets.label(m);
            b.addCandidates(PruneJob.Candidate.newBuilder().setLabel(label).setRetrainMode(m)
                    .setTrainingRun(Names.trainingRun(id, label)));
        }
        if (origin.triggerName() != null) {
            b.setRepruneTrigger(origin.triggerName()).setTriggerEventId(origin.eventId());
        }
        return b.build();
    }

    // ---------------------------------------------------------------------------------------- steps

    /**
     * Runs {@code event} through the saga's table on the locked job, in one transaction with its outbox
     * messages, watch events and the processed mark of {@code causeEventId} (may be null), then cancels the
     * runs the step made useless.
     *
     * @return the step's transition, or null when the job is unknown or the table changed nothing
     */
    public Saga.Transition apply(String id, String causeEventId, SagaEvent event) {
        Saga.Transition[] done = new Saga.Transition[1];
        jobs.stepMarking(id, causeEventId, s -> {
            Saga.Transition t = Saga.next(s.job(), event, Instant.now());
            done[0] = t;
            Map<String, String> marks = new java.util.LinkedHashMap<>();
            String tag = Saga.endTag(s.job().getState());
            if (t == null && tag != null) {
                // a version registered while the job was ending (a cancel during pruning or training) is tagged as well
                String late = event instanceof SagaEvent.Pruned p ? p.prunedVersion()
                        : event instanceof SagaEvent.CandidateTrained ct ? ct.modelVersion() : null;
                if (late != null && !late.isEmpty()) {
                    marks.put(late, tag);
                }
            }
            if (t != null) {
                t.versionsToMark().forEach(v -> marks.put(v, t.endTag()));
                PruneJob before = s.job();
                PruneJob after = t.change().job();
                if (before.getState() != after.getState()) {
                    LOG.infof("%s: %s -> %s: %s", before.getName(), before.getState(), after.getState(), after.getStateMessage());
                }
            }
            return new JobRepository.Step(t == null ? null : t.change(), marks);
        });
        outbox.wakeUp();
        if (done[0] != null) {
            done[0].runsToCancel().forEach(training::cancel);
        }
        applyMarks(jobs.pendingMarks(id, null));
        return done[0];
    }

    /**
     * Tags the versions of jobs that ended FAILED or CANCELLED, recorded with the job's end (see
     * {@link JobRepository#stepMarking}). Idempotent; a mark the registry did not take stays recorded
     * for the stall watch to retry, since the job's end must not wait for the registry.
     */
    public void applyMarks(List<JobRepository.Mark> marks) {
        for (JobRepository.Mark m : marks) {
            try {
                registry.tag(m.version(), m.tag());
                jobs.markDone(m);
                LOG.infof("%s: %s tagged %s", Names.job(m.jobId()), m.version(), m.tag());
            } catch (RuntimeException e) {
                LOG.warnf("%s: could not tag %s %s yet (retried): %s", Names.job(m.jobId()), m.version(), m.tag(), e.getMessage());
            }
        }
    }

    /** Scores are in (or scoring failed): on to PRUNING, where the pruning step takes the job. */
    public void onScores(ScoresComputed e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        if (id != null) {
            apply(id, eventId, e.getFailureReason().isEmpty() ? new SagaEvent.ScoresReady(e.getScoresUri())
                    : new SagaEvent.ScoringFailed(e.getFailureReason()));
        }
    }

    /** A progress report of one candidate's run, for watchers. */
    public void onTrainingProgress(TrainingProgress e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        Optional<Stored> job = id == null ? Optional.empty() : jobs.find(id);
        int index = job.map(s -> Saga.candidateIndex(s.job(), e.getTrainingRun())).orElse(-1);
        if (index < 0) {
            return;
        }
        if (terminal(job.get().job().getState())) {
            // the job ended (a cancel may have reached the training service before the run existed): stop the run
            training.cancel(e.getTrainingRun());
        }
        jobs.appendWatch(id, PruneJobEvent.newBuilder().setPruneJob(e.getPruneJob()).setEventTime(e.getOccurredTime())
                .setTrainingProgress(PruneJobEvent.TrainingUpdate.newBuilder().setTrainingRun(e.getTrainingRun())
                        .setRetrainMode(job.get().job().getCandidates(index).getRetrainMode()).setProgress(e.getProgress())).build(),
                eventId);
    }

    /**
     * A candidate's run ended. A trained candidate is registered (lineage: the pruned version, the job,
     * the method and its settings, the retrain mode and the run), then recorded; a run that failed or
     * was cancelled fails the job, since its comparison would be incomplete.
     */
    public void onTrainingCompleted(TrainingCompleted e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        Optional<Stored> found = id == null ? Optional.empty() : jobs.find(id);
        if (found.isEmpty()) {
            return;
        }
        PruneJob job = found.get().job();
        if (e.getStatus() != TrainingRun.State.SUCCEEDED) {
            apply(id, eventId, new SagaEvent.CandidateFailed(e.getTrainingRun(), e.getStatus(), e.getFailureReason()));
            return;
        }
        int index = Saga.candidateIndex(job, e.getTrainingRun());
        if (index < 0 || !Saga.handles(job.getState(), SagaEvent.CandidateTrained.class)
                || !job.getCandidates(index).getModelVersion().isEmpty()) {
            jobs.step(id, eventId, st -> null); // nothing to do; marks the event processed
            return;
        }
        PruneJob.Candidate cand = job.getCandidates(index);
        ModelVersion v;
        try {
            v = registerCandidate(job, cand, e);
        } catch (PlatformException ex) {
            if (ex.transientFailure()) {
                throw ex;
            }
            apply(id, eventId, new SagaEvent.Fail("candidate " + cand.getLabel() + ": cannot register " + e.getTrainingRun()
                    + "'s model: " + ex.getMessage()));
            return;
        }
        apply(id, eventId, new SagaEvent.CandidateTrained(e.getTrainingRun(), v.getName(), e.getEpochs()));
        LOG.infof("%s: %s trained, registered as %s", job.getName(), cand.getLabel(), v.getName());
    }

    private ModelVersion registerCandidate(PruneJob job, PruneJob.Candidate cand, TrainingCompleted e) {
        ModelVersion pruned = registry.get(job.getPrunedVersion());
        Lineage lineage = Lineage.newBuilder().setParentVersion(job.getPrunedVersion()).setPruneJob(job.getName())
                .setMethod(pruned.getLineage().getMethod()).setSettings(pruned.getLineage().getSettings())
                .setTriggerEventId(job.getTriggerEventId()).setRetrainMode(cand.getRetrainMode()).setTrainingRun(e.getTrainingRun())
                .build();
        return registry.register(job.getTargetModel(), e.getOutputCheckpoint().getUri(), lineage,
                job.getName() + ": " + cand.getLabel() + " of " + job.getPrunedVersion(),
                Names.stableUuid(job.getName() + "/" + e.getTrainingRun()));
    }

    /** An evaluation ended: its metrics go in the result table; the last one ends the job SUCCEEDED. */
    public void onEvaluationCompleted(EvaluationCompleted e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        if (id == null) {
            return;
        }
        apply(id, eventId, e.getStatus() == Evaluation.State.SUCCEEDED ? new SagaEvent.Evaluated(e.getEvaluation(), e.getMetrics())
                : new SagaEvent.EvaluationFailed(e.getEvaluation(), e.getModelVersion(), e.getStatus(), e.getFailureReason()));
    }

    /** Cancels a job that has not ended, and its training runs. */
    public Stored cancel(String id) {
        Stored before = jobs.find(id).orElseThrow(() -> PlatformException.notFound(Names.job(id)));
        if (terminal(before.job().getState()) || apply(id, null, new SagaEvent.Cancel()) == null) {
            PruneJob now = jobs.find(id).map(Stored::job).orElse(before.job());
            throw PlatformException.precondition(now.getName() + " already ended " + now.getState()
                    + "; only a job that has not ended can be cancelled");
        }
        return jobs.find(id).orElseThrow(() -> PlatformException.notFound(Names.job(id)));
    }
}
