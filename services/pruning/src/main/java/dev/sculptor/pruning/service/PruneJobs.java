package dev.sculptor.pruning.service;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.clients.RegistryClient;
import dev.sculptor.pruning.clients.TrainingClient;
import dev.sculptor.pruning.events.OutboxRunner;
import dev.sculptor.pruning.service.JobException.Code;
import dev.sculptor.pruning.store.JobRepository;
import dev.sculptor.pruning.store.JobRepository.Change;
import dev.sculptor.pruning.store.JobRepository.Outgoing;
import dev.sculptor.pruning.store.JobRepository.Stored;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The prune-job saga (the pipeline of Liu et al., "Rethinking the Value of Network Pruning", ICLR
 * 2019, as events between services). A job moves SCORING (the scoring service computes the method's
 * importance) -> PRUNING (this service shrinks the network with the engine and registers the pruned
 * version, {@link PruningStep}) -> TRAINING (one training run per retrain mode; each finished run is
 * registered as a candidate version) -> EVALUATING (accuracy, loss, FLOPs, params and latency of the
 * baseline, the pruned model and every candidate, all asked for once training is over so that no
 * latency is measured beside a training run of the same job) -> SUCCEEDED; any step can end it FAILED, and a
 * cancel ends it CANCELLED. ThiNet and channel regression select channels from sampled activations
 * inside the pruning step, so their jobs start in PRUNING.
 *
 * <p>Every step is one database transaction with the events it sends (outbox) and the processed mark
 * of the event that caused it; requests are named after the job ({@code trainingRuns/{job}-scratch-b},
 * {@code evaluations/{job}-baseline}) and registrations carry request ids derived from the job, so a
 * step repeated after a crash asks for nothing twice.
 */
@ApplicationScoped
public class PruneJobs {
    private static final Logger LOG = Logger.getLogger(PruneJobs.class);
    public static final String SOURCE = "/sculptor/pruning";
    static final Set<State> TERMINAL = EnumSet.of(State.SUCCEEDED, State.FAILED, State.CANCELLED);
    static final String BASELINE = "baseline";
    static final String PRUNED = "pruned";

    @Inject
    JobRepository jobs;

    @Inject
    RegistryClient registry;

    @Inject
    TrainingClient training;

    @Inject
    OutboxRunner outbox;

    @Inject
    PruningStep step;

    public static boolean terminal(State s) {
        return TERMINAL.contains(s);
    }

    // ---------------------------------------------------------------------------------------- create

    /** Who started a job: the API (both null) or a trigger on a registry event. */
    public record Origin(String triggerName, String eventId) {
        public static final Origin API = new Origin(null, null);
    }

    /**
     * Validates and starts a job: resolves an alias to the numbered version, records the job and asks
     * for its scores (unless the method scores while pruning) and for the baseline's evaluation.
     */
    public Stored create(PruneJob spec, String id, String requestId, Origin origin) {
        if (requestId != null && !requestId.isEmpty()) {
            Optional<Stored> earlier = jobs.findByRequestId(requestId);
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
        ModelVersion v = registry.get(job.getModelVersion());
        if (v.getState() != ModelVersion.State.READY) {
            throw JobException.precondition("model_version: " + v.getName() + " is " + v.getState() + ", not READY");
        }
        PruneJob.Builder b = job.toBuilder().setModelVersion(v.getName());
        if (b.getTargetModel().isEmpty()) {
            b.setTargetModel(Names.modelOf("model_version", v.getName()));
        }
        String family = v.getArch().getFamily();
        for (int i = 0; i < b.getCandidatesCount(); i++) {
            PruneJob.Candidate c = b.getCandidates(i);
            if (c.getRetrainMode() != RetrainMode.SCRATCH_B) {
                // Scratch-B's budget waits for the pruned FLOPs
                b.setCandidates(i, c.toBuilder().setEpochs(Budgets.epochs(c.getRetrainMode(), b.getPlan(), family, 1, null)));
            }
        }
        boolean scored = Methods.scored(job.getMethod().getMethod());
        Instant now = Instant.now();
        PruneJob created = b.setState(scored ? State.SCORING : State.PRUNING)
                .setStateMessage(scored ? "computing " + Methods.id(job.getMethod().getMethod()) + " importance scores"
                        : Methods.id(job.getMethod().getMethod()) + " selects channels from sampled activations while pruning")
                .setCreateTime(ts(now)).setUpdateTime(ts(now)).build();
        List<Outgoing> out = new ArrayList<>();
        out.add(stateChanged(created, State.STATE_UNSPECIFIED, now));
        if (scored) {
            out.add(new Outgoing(Topics.SCORING_REQUESTS, EventEnvelope.of(ScoringRequested.newBuilder().setPruneJob(created.getName())
                    .setModelVersion(created.getModelVersion()).setMethod(created.getMethod()).setDataset(created.getDataset())
                    .setOccurredTime(ts(now)).build(), SOURCE, created.getName(), created.getName())));
        }
        try {
            Stored s = jobs.insert(id, created, requestId == null || requestId.isEmpty() ? null : requestId, out,
                    List.of(jobEvent(created, now)), origin.triggerName() == null ? null : Names.triggerId("reprune_trigger",
                            origin.triggerName()));
            outbox.wakeUp();
            step.wakeUp();
            LOG.infof("%s: created on %s (%s, %s)", created.getName(), created.getModelVersion(), Methods.id(created.getMethod()
                    .getMethod()), created.getCandidatesList().stream().map(PruneJob.Candidate::getLabel).toList());
            return s;
        } catch (JobException e) {
            if (e.code() == Code.ALREADY_EXISTS) {
                if (requestId != null && !requestId.isEmpty()) {
                    Optional<Stored> raced = jobs.findByRequestId(requestId);
                    if (raced.isPresent()) {
                        return raced.get();
                    }
                }
                throw new JobException(Code.ALREADY_EXISTS, Names.job(id) + " already exists", e);
            }
            throw e;
        }
    }

    /** The job as it will be stored, before the registry is asked; names the field at fault. */
    static PruneJob validate(PruneJob spec, String id, Origin origin) {
        if (spec.getModelVersion().isEmpty()) {
            throw JobException.invalid("prune_job.model_version", "is required (models/{model}/versions/{version})");
        }
        Names.modelOf("prune_job.model_version", spec.getModelVersion());
        if (!spec.hasMethod()) {
            throw JobException.invalid("prune_job.method", "is required");
        }
        Methods.validate(spec.getMethod());
        Set<RetrainMode> modes = new LinkedHashSet<>();
        for (RetrainMode m : spec.getRetrainModesList()) {
            if (m == RetrainMode.RETRAIN_MODE_UNSPECIFIED || m == RetrainMode.UNRECOGNIZED) {
                throw JobException.invalid("prune_job.retrain_modes", "unspecified or unknown mode");
            }
            if (m == RetrainMode.LOTTERY_TICKET) {
                throw JobException.precondition("prune_job.retrain_modes: LOTTERY_TICKET rewinds to the baseline's initial "
                        + "weights, which a registered version does not carry; train such a run directly with an init_checkpoint");
            }
            if (!modes.add(m)) {
                throw JobException.invalid("prune_job.retrain_modes", m + " is given twice");
            }
        }
        if (modes.isEmpty()) {
            modes.add(RetrainMode.FINE_TUNE);
        }
        DatasetRef d = spec.getDataset();
        if (d.getUri().isBlank()) {
            throw JobException.invalid("prune_job.dataset.uri", "is required, e.g. fashion-mnist or cifar10:s3://bucket/prefix");
        }
        if (d.getTrainSubset() < 0 || d.getTestSubset() < 0) {
            throw JobException.invalid("prune_job.dataset", "train_subset and test_subset must be >= 0");
        }
        var p = spec.getPlan();
        if (p.getEpochs() < 0 || p.getFinetuneEpochs() < 0 || p.getBatchSize() < 0 || p.getLearningRate() < 0
                || p.getFinetuneLearningRate() < 0) {
            throw JobException.invalid("prune_job.plan", "epochs, finetune_epochs, batch_size and learning rates must be >= 0");
        }
        if (p.hasScratchBCap() && !(p.getScratchBCap() >= 1)) {
            throw JobException.invalid("prune_job.plan.scratch_b_cap", "must be >= 1, got " + p.getScratchBCap());
        }
        if (!spec.getTargetModel().isEmpty()) {
            Names.checkModel("prune_job.target_model", spec.getTargetModel());
        }
        if (spec.getDisplayName().length() > 128) {
            throw JobException.invalid("prune_job.display_name", "at most 128 characters, got " + spec.getDisplayName().length());
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

    /** Scores are in (or scoring failed): on to PRUNING, where {@link PruningStep} takes the job. */
    public void onScores(ScoresComputed e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        if (id == null) {
            return;
        }
        jobs.step(id, eventId, s -> {
            if (s.job().getState() != State.SCORING) {
                return null;
            }
            if (!e.getFailureReason().isEmpty()) {
                return transition(s.job(), State.FAILED, "scoring failed: " + e.getFailureReason(), List.of());
            }
            Change c = transition(s.job(), State.PRUNING, "pruning with the scores in " + e.getScoresUri(), List.of());
            return new Change(c.job(), e.getScoresUri(), null, c.outbox(), c.watch());
        });
        outbox.wakeUp();
        step.wakeUp();
    }

    /**
     * The pruning step registered the pruned version: ask for one training run per retrain mode and
     * for the pruned model's evaluation.
     */
    public void pruned(String id, String owner, String prunedVersion, double flopsRatio, String family, Double scratchBCap) {
        jobs.step(id, null, s -> {
            if (s.job().getState() != State.PRUNING || !owner.equals(s.stepOwner())) {
                return null; // cancelled meanwhile, or another replica took the step over after this one's lease ran out
            }
            Instant now = Instant.now();
            PruneJob.Builder b = s.job().toBuilder().setPrunedVersion(prunedVersion);
            List<Outgoing> out = new ArrayList<>();
            for (int i = 0; i < b.getCandidatesCount(); i++) {
                PruneJob.Candidate c = b.getCandidates(i);
                int epochs = Budgets.epochs(c.getRetrainMode(), b.getPlan(), family, flopsRatio, scratchBCap);
                b.setCandidates(i, c.toBuilder().setEpochs(epochs));
                out.add(new Outgoing(Topics.TRAINING_REQUESTS, EventEnvelope.of(TrainingRequested.newBuilder()
                        .setTrainingRun(c.getTrainingRun()).setPruneJob(b.getName()).setModelVersion(prunedVersion)
                        .setRetrainMode(c.getRetrainMode()).setDataset(b.getDataset()).setPlan(b.getPlan()).setEpochs(epochs)
                        .setOccurredTime(ts(now)).build(), SOURCE, c.getTrainingRun(), b.getName())));
            }
            return transition(b.build(), State.TRAINING, String.format(Locale.ROOT, "training %d candidate(s) of %s (%.2fx fewer FLOPs)",
                    b.getCandidatesCount(), prunedVersion, flopsRatio), out, flopsRatio);
        });
        outbox.wakeUp();
    }

    /** The pruning step cannot succeed; only the replica that holds the step may say so. */
    public void failStep(String id, String owner, String reason) {
        jobs.step(id, null, s -> s.job().getState() != State.PRUNING || !owner.equals(s.stepOwner()) ? null
                : transition(s.job(), State.FAILED, reason, List.of()));
        outbox.wakeUp();
    }

    /** A job that waited longer than {@code timeout} in SCORING or EVALUATING without any change ends FAILED. */
    public void stalled(String id, java.time.Duration timeout, String reason) {
        Optional<Stored> before = jobs.find(id);
        jobs.step(id, null, s -> {
            State st = s.job().getState();
            Instant changed = Instant.ofEpochSecond(s.job().getUpdateTime().getSeconds(), s.job().getUpdateTime().getNanos());
            if ((st != State.SCORING && st != State.EVALUATING) || changed.isAfter(Instant.now().minus(timeout))) {
                return null; // an answer came in meanwhile
            }
            return transition(s.job(), State.FAILED, reason, List.of());
        });
        outbox.wakeUp();
        before.ifPresent(this::cancelRuns);
    }

    /** Another step cannot succeed. */
    public void fail(String id, String reason) {
        Optional<Stored> before = jobs.find(id);
        jobs.step(id, null, s -> terminal(s.job().getState()) ? null : transition(s.job(), State.FAILED, reason, List.of()));
        outbox.wakeUp();
        before.ifPresent(this::cancelRuns);
    }

    /** A progress report of one candidate's run, for watchers. */
    public void onTrainingProgress(TrainingProgress e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        String label = id == null ? null : Names.roleOf(id, e.getTrainingRun());
        if (label == null) {
            return;
        }
        RetrainMode mode = modeOf(label);
        Optional<Stored> job = jobs.find(id);
        if (job.isPresent() && terminal(job.get().job().getState())) {
            // the job ended (a cancel may have reached the training service before the run existed): stop the run
            training.cancel(e.getTrainingRun());
        }
        jobs.appendWatch(id, PruneJobEvent.newBuilder().setPruneJob(e.getPruneJob()).setEventTime(e.getOccurredTime())
                .setTrainingProgress(PruneJobEvent.TrainingUpdate.newBuilder().setTrainingRun(e.getTrainingRun())
                        .setRetrainMode(mode).setProgress(e.getProgress())).build(), eventId);
    }

    /**
     * A candidate's run ended. A trained candidate is registered (lineage: the pruned version, the job,
     * the method and its settings, the retrain mode and the run) and evaluated; a run that failed or
     * was cancelled fails the job, since its comparison would be incomplete.
     */
    public void onTrainingCompleted(TrainingCompleted e, String eventId) {
        String id = Names.jobIdOrNull(e.getPruneJob());
        Optional<Stored> found = id == null ? Optional.empty() : jobs.find(id);
        if (found.isEmpty()) {
            return;
        }
        PruneJob job = found.get().job();
        int index = candidateIndex(job, e.getTrainingRun());
        if (index < 0 || terminal(job.getState()) || !job.getCandidates(index).getModelVersion().isEmpty()) {
            jobs.step(id, eventId, st -> null); // nothing to do; marks the event processed
            return;
        }
        PruneJob.Candidate cand = job.getCandidates(index);
        if (e.getStatus() != TrainingRun.State.SUCCEEDED) {
            String why = "candidate " + cand.getLabel() + ": " + e.getTrainingRun() + " ended " + e.getStatus()
                    + (e.getFailureReason().isEmpty() ? "" : ": " + e.getFailureReason());
            jobs.step(id, eventId, s -> terminal(s.job().getState()) ? null : transition(s.job(), State.FAILED, why, List.of()));
            outbox.wakeUp();
            cancelRuns(found.get());
            return;
        }
        ModelVersion v;
        try {
            v = registerCandidate(job, cand, e);
        } catch (JobException ex) {
            if (ex.transientFailure()) {
                throw ex;
            }
            fail(id, "candidate " + cand.getLabel() + ": cannot register " + e.getTrainingRun() + "'s model: " + ex.getMessage());
            return;
        }
        jobs.step(id, eventId, s -> {
            PruneJob now = s.job();
            if (terminal(now.getState()) || !now.getCandidates(index).getModelVersion().isEmpty()) {
                return null;
            }
            Instant t = Instant.now();
            PruneJob.Builder b = now.toBuilder().setCandidates(index, now.getCandidates(index).toBuilder().setModelVersion(v.getName())
                    .setEpochs(e.getEpochs() > 0 ? e.getEpochs() : now.getCandidates(index).getEpochs()));
            boolean allTrained = b.getCandidatesList().stream().noneMatch(c -> c.getModelVersion().isEmpty());
            if (allTrained && now.getState() == State.TRAINING) {
                // every evaluation at once, after all training: latencies measured on an otherwise idle worker compare
                PruneJob all = b.build();
                List<Outgoing> out = new ArrayList<>();
                out.add(evaluationRequest(all, BASELINE, all.getModelVersion(), t));
                out.add(evaluationRequest(all, PRUNED, all.getPrunedVersion(), t));
                for (PruneJob.Candidate c : all.getCandidatesList()) {
                    out.add(evaluationRequest(all, c.getLabel(), c.getModelVersion(), t));
                }
                return transition(all, State.EVALUATING, "evaluating the baseline, the pruned model and " + all.getCandidatesCount()
                        + " candidate(s)", out);
            }
            return quiet(b.setUpdateTime(ts(t)).build(), List.of());
        });
        outbox.wakeUp();
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
        String role = id == null ? null : Names.roleOf(id, e.getEvaluation());
        if (role == null) {
            return;
        }
        Optional<Stored> before = jobs.find(id);
        jobs.step(id, eventId, s -> {
            PruneJob job = s.job();
            if (terminal(job.getState())) {
                return null;
            }
            if (e.getStatus() != dev.sculptor.api.v1.Evaluation.State.SUCCEEDED) {
                return transition(job, State.FAILED, "evaluation of " + role + " (" + e.getModelVersion() + ") ended " + e.getStatus()
                        + (e.getFailureReason().isEmpty() ? "" : ": " + e.getFailureReason()), List.of());
            }
            PruneJob.Builder b = job.toBuilder();
            if (BASELINE.equals(role)) {
                b.setBaselineMetrics(e.getMetrics());
            } else if (PRUNED.equals(role)) {
                b.setPrunedMetrics(e.getMetrics());
            } else {
                int i = -1;
                for (int k = 0; k < b.getCandidatesCount(); k++) {
                    if (b.getCandidates(k).getLabel().equals(role)) {
                        i = k;
                    }
                }
                if (i < 0) {
                    return null;
                }
                b.setCandidates(i, b.getCandidates(i).toBuilder().setMetrics(e.getMetrics()));
            }
            PruneJob updated = b.build();
            boolean done = updated.hasBaselineMetrics() && updated.hasPrunedMetrics()
                    && updated.getCandidatesList().stream().allMatch(c -> c.hasMetrics() && !c.getModelVersion().isEmpty());
            if (done) {
                return transition(updated, State.SUCCEEDED, summary(updated), List.of());
            }
            return quiet(updated.toBuilder().setUpdateTime(ts(Instant.now())).build(), List.of());
        });
        outbox.wakeUp();
        if (e.getStatus() != dev.sculptor.api.v1.Evaluation.State.SUCCEEDED) {
            before.ifPresent(this::cancelRuns); // the job failed: its candidates' runs are of no use
        }
    }

    /** Cancels a job that has not ended, and its training runs. */
    public Stored cancel(String id) {
        Stored before = jobs.find(id).orElseThrow(() -> JobException.notFound(Names.job(id)));
        Stored after = jobs.step(id, null, s -> {
            if (terminal(s.job().getState())) {
                throw JobException.precondition(s.job().getName() + " already ended " + s.job().getState()
                        + "; only a job that has not ended can be cancelled");
            }
            return transition(s.job(), State.CANCELLED, "cancelled on request (was " + s.job().getState() + ")", List.of());
        }).orElseThrow(() -> JobException.notFound(Names.job(id)));
        outbox.wakeUp();
        cancelRuns(before);
        return after;
    }

    private void cancelRuns(Stored before) {
        State s = before.job().getState();
        if (s == State.TRAINING || s == State.EVALUATING) {
            for (PruneJob.Candidate c : before.job().getCandidatesList()) {
                if (c.getModelVersion().isEmpty()) {
                    training.cancel(c.getTrainingRun());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------- helpers

    private static int candidateIndex(PruneJob job, String run) {
        for (int i = 0; i < job.getCandidatesCount(); i++) {
            if (job.getCandidates(i).getTrainingRun().equals(run)) {
                return i;
            }
        }
        return -1;
    }

    private static RetrainMode modeOf(String label) {
        for (RetrainMode m : RetrainMode.values()) {
            if (m != RetrainMode.UNRECOGNIZED && Budgets.label(m).equals(label)) {
                return m;
            }
        }
        return RetrainMode.RETRAIN_MODE_UNSPECIFIED;
    }

    static String summary(PruneJob j) {
        StringBuilder sb = new StringBuilder("done:");
        if (j.getBaselineMetrics().hasAccuracy()) {
            sb.append(String.format(Locale.ROOT, " baseline %.2f%%", 100 * j.getBaselineMetrics().getAccuracy()));
        }
        for (PruneJob.Candidate c : j.getCandidatesList()) {
            if (c.getMetrics().hasAccuracy()) {
                sb.append(String.format(Locale.ROOT, ", %s %.2f%%", c.getLabel(), 100 * c.getMetrics().getAccuracy()));
            }
        }
        if (j.getPrunedMetrics().getFlops() > 0) {
            sb.append(String.format(Locale.ROOT, " at %.2fx fewer FLOPs",
                    (double) j.getBaselineMetrics().getFlops() / j.getPrunedMetrics().getFlops()));
        }
        return sb.toString();
    }

    private Outgoing evaluationRequest(PruneJob job, String role, String version, Instant now) {
        String name = Names.evaluation(Names.jobIdOrNull(job.getName()), role);
        return new Outgoing(Topics.EVALUATION_REQUESTS, EventEnvelope.of(EvaluationRequested.newBuilder().setEvaluation(name)
                .setPruneJob(job.getName()).setModelVersion(version).setDataset(job.getDataset()).setMeasureLatency(true)
                .setOccurredTime(ts(now)).build(), SOURCE, name, job.getName()));
    }

    static Change transition(PruneJob job, State to, String message, List<Outgoing> extra) {
        return transition(job, to, message, extra, null);
    }

    static Change transition(PruneJob job, State to, String message, List<Outgoing> extra, Double flopsRatio) {
        Instant now = Instant.now();
        PruneJob.Builder b = job.toBuilder().setState(to).setStateMessage(message).setUpdateTime(ts(now));
        if (terminal(to)) {
            b.setEndTime(ts(now));
        }
        PruneJob next = b.build();
        List<Outgoing> out = new ArrayList<>(extra);
        out.add(stateChanged(next, job.getState(), now));
        LOG.infof("%s: %s -> %s: %s", job.getName(), job.getState(), to, message);
        return new Change(next, null, flopsRatio, out, List.of(jobEvent(next, now)));
    }

    /** A change watchers see as the job's new form, without a change of state. */
    private static Change quiet(PruneJob job, List<Outgoing> out) {
        return new Change(job, null, null, out, List.of(jobEvent(job, Instant.now())));
    }

    private static Outgoing stateChanged(PruneJob job, State previous, Instant now) {
        return new Outgoing(Topics.PRUNING_EVENTS, EventEnvelope.of(PruneJobStateChanged.newBuilder().setPruneJob(job.getName())
                .setModelVersion(job.getModelVersion()).setPreviousState(previous).setState(job.getState())
                .setStateMessage(job.getStateMessage()).setRepruneTrigger(job.getRepruneTrigger()).setOccurredTime(ts(now)).build(),
                SOURCE, job.getName(), job.getName()));
    }

    static PruneJobEvent jobEvent(PruneJob job, Instant now) {
        return PruneJobEvent.newBuilder().setPruneJob(job.getName()).setEventTime(ts(now)).setJob(job).build();
    }

    public static Timestamp ts(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
