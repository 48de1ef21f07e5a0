package dev.sculptor.pruning.saga;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.PruningRequested;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.saga.SagaEvent.Cancel;
import dev.sculptor.pruning.saga.SagaEvent.CandidateFailed;
import dev.sculptor.pruning.saga.SagaEvent.CandidateTrained;
import dev.sculptor.pruning.saga.SagaEvent.Evaluated;
import dev.sculptor.pruning.saga.SagaEvent.EvaluationFailed;
import dev.sculptor.pruning.saga.SagaEvent.Fail;
import dev.sculptor.pruning.saga.SagaEvent.Pruned;
import dev.sculptor.pruning.saga.SagaEvent.PruningFailed;
import dev.sculptor.pruning.saga.SagaEvent.ScoresReady;
import dev.sculptor.pruning.saga.SagaEvent.ScoringFailed;
import dev.sculptor.pruning.saga.SagaEvent.Stalled;
import dev.sculptor.pruning.saga.SagaEvent.StepOverdue;
import dev.sculptor.pruning.service.Budgets;
import dev.sculptor.pruning.service.Methods;
import dev.sculptor.pruning.service.Names;
import dev.sculptor.pruning.store.JobRepository.Change;
import dev.sculptor.pruning.store.JobRepository.Outgoing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The prune-job saga (the pipeline of Liu et al., "Rethinking the Value of Network Pruning", ICLR 2019, as
 * events between services) as one table: (state × event) → (new job, outbox messages). Pure: no database,
 * no network, no clock of its own, so every transition is unit-tested ({@code SagaTest}).
 *
 * <pre>
 * state       event              → state       sends
 * (new)       start, scored      → SCORING     ScoringRequested
 * (new)       start, data-driven → PRUNING     PruningRequested      (ThiNet, channel regression sample while pruning)
 * SCORING     ScoresReady        → PRUNING     PruningRequested(scores_uri)
 * SCORING     ScoringFailed      → FAILED
 * PRUNING     Pruned             → TRAINING    TrainingRequested per candidate (epochs: the engine's budgets; keyed by the run)
 * PRUNING     PruningFailed      → FAILED
 * PRUNING     StepOverdue        → PRUNING     PruningRequested again (no end within the step's timeout)
 * TRAINING    CandidateTrained   → TRAINING    (records the candidate's version)
 *                                → EVALUATING  EvaluationRequested for baseline, pruned and each candidate, once all trained
 * TRAINING    CandidateFailed    → FAILED      (cancels the other runs)
 * EVALUATING  Evaluated          → EVALUATING  (records the metrics)
 *                                → SUCCEEDED   once every evaluation is in
 * EVALUATING  EvaluationFailed   → FAILED
 * SCORING,
 * EVALUATING  Stalled            → FAILED      (no answer within the deadline; cancels runs)
 * not ended   Cancel             → CANCELLED   (cancels the runs that have not ended)
 * not ended   Fail               → FAILED      (cancels the runs that have not ended)
 * </pre>
 *
 * A job that ends FAILED or CANCELLED has the versions it registered (pruned model, trained candidates)
 * tagged {@value #FAILED_TAG} or {@value #CANCELLED_TAG} ({@link Transition#versionsToMark}).
 *
 * Every message is keyed by the job, so one job's events stay in order, except the TrainingRequested ones: keyed by
 * their run, they spread over partitions and a job's candidates can train at once. No rule needs runs to start or end in
 * order: CandidateTrained records the candidate by its run's name, and the job moves on once all are in.
 *
 * Any other pair changes nothing: a late, repeated or foreign event is dropped (the caller still marks it
 * processed). Every change also sends {@code PruneJobStateChanged} (on a change of state) and one watch
 * event with the job's new form. Requests are named after the job ({@code trainingRuns/{job}-scratch-b},
 * {@code evaluations/{job}-baseline}), so a step repeated after a crash asks for the same things.
 */
public final class Saga {
    public static final String SOURCE = "/sculptor/pruning";
    public static final String BASELINE = "baseline";
    public static final String PRUNED = "pruned";
    public static final Set<State> TERMINAL = EnumSet.of(State.SUCCEEDED, State.FAILED, State.CANCELLED);
    private static final Set<State> OPEN = EnumSet.of(State.SCORING, State.PRUNING, State.TRAINING, State.EVALUATING);

    /** A rule of the table: the job as it is, the event, the time of the step. */
    @FunctionalInterface
    interface Rule {
        Transition apply(PruneJob job, SagaEvent event, Instant now);
    }

    /**
     * What a step changes and, for the service to do once it is committed, which training runs to cancel
     * (a job that ended no longer needs its unfinished candidates) and which registered versions to mark
     * with {@code endTag} (a job that ended FAILED or CANCELLED leaves its pruned model and trained
     * candidates in the registry, which must not look like the results of a job that succeeded).
     */
    public record Transition(Change change, List<String> runsToCancel, List<String> versionsToMark, String endTag) {
        public Transition {
            runsToCancel = List.copyOf(runsToCancel);
            versionsToMark = List.copyOf(versionsToMark);
        }

        Transition(Change change, List<String> runsToCancel) {
            this(change, runsToCancel, List.of(), null);
        }
    }

    /** The tag on the versions a job registered before it ended FAILED. */
    public static final String FAILED_TAG = "sculptor-job-failed";
    /** The tag on the versions a job registered before it was CANCELLED. */
    public static final String CANCELLED_TAG = "sculptor-job-cancelled";

    /** The tag for the versions of a job that ended in {@code state}, or null when they stay as they are. */
    public static String endTag(State state) {
        return state == State.FAILED ? FAILED_TAG : state == State.CANCELLED ? CANCELLED_TAG : null;
    }

    /** The versions a job registered: its pruned model and the candidates trained so far. */
    public static List<String> registered(PruneJob job) {
        List<String> out = new ArrayList<>();
        if (!job.getPrunedVersion().isEmpty()) {
            out.add(job.getPrunedVersion());
        }
        for (PruneJob.Candidate c : job.getCandidatesList()) {
            if (!c.getModelVersion().isEmpty()) {
                out.add(c.getModelVersion());
            }
        }
        return out;
    }

    private static final Map<State, Map<Class<? extends SagaEvent>, Rule>> TABLE = new EnumMap<>(State.class);

    static {
        rule(Set.of(State.SCORING), ScoresReady.class, Saga::scoresReady);
        rule(Set.of(State.SCORING), ScoringFailed.class, (j, e, t) -> fail(j, "scoring failed: " + ((ScoringFailed) e).reason(), t));
        rule(Set.of(State.PRUNING), Pruned.class, Saga::pruned);
        rule(Set.of(State.PRUNING), PruningFailed.class, (j, e, t) -> fail(j, ((PruningFailed) e).reason(), t));
        rule(Set.of(State.TRAINING), CandidateTrained.class, Saga::candidateTrained);
        rule(Set.of(State.TRAINING), CandidateFailed.class, Saga::candidateFailed);
        rule(Set.of(State.EVALUATING), Evaluated.class, Saga::evaluated);
        rule(Set.of(State.EVALUATING), EvaluationFailed.class, Saga::evaluationFailed);
        rule(Set.of(State.PRUNING), StepOverdue.class, Saga::stepOverdue);
        rule(Set.of(State.SCORING, State.EVALUATING), Stalled.class, Saga::stalled);
        rule(OPEN, Cancel.class, (j, e, t) -> end(j, State.CANCELLED, "cancelled on request (was " + j.getState() + ")", t));
        rule(OPEN, Fail.class, (j, e, t) -> fail(j, ((Fail) e).reason(), t));
    }

    private Saga() {}

    private static void rule(Set<State> states, Class<? extends SagaEvent> event, Rule r) {
        for (State s : states) {
            TABLE.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(event, r);
        }
    }

    public static boolean terminal(State s) {
        return TERMINAL.contains(s);
    }

    /** Whether the table has a rule for this event in this state. */
    public static boolean handles(State state, Class<? extends SagaEvent> event) {
        return TABLE.getOrDefault(state, Map.of()).containsKey(event);
    }

    /** The step for {@code event} on {@code job}, or null when the table has no rule for the pair (nothing changes). */
    public static Transition next(PruneJob job, SagaEvent event, Instant now) {
        Rule r = TABLE.getOrDefault(job.getState(), Map.of()).get(event.getClass());
        return r == null ? null : r.apply(job, event, now);
    }

    /**
     * A validated job's first step: SCORING with a request for its scores, or PRUNING right away for the
     * methods that select channels from sampled activations. The epochs of every candidate but Scratch-B
     * are known now; Scratch-B's wait for the pruned FLOPs.
     */
    public static Transition start(PruneJob validated, String family, Instant now) {
        PruneJob.Builder b = validated.toBuilder();
        for (int i = 0; i < b.getCandidatesCount(); i++) {
            PruneJob.Candidate c = b.getCandidates(i);
            if (c.getRetrainMode() != RetrainMode.SCRATCH_B) {
                b.setCandidates(i, c.toBuilder().setEpochs(Budgets.epochs(c.getRetrainMode(), b.getPlan(), family, 1, null)));
            }
        }
        boolean scored = Methods.scored(b.getMethod().getMethod());
        String method = Methods.id(b.getMethod().getMethod());
        PruneJob job = b.setState(scored ? State.SCORING : State.PRUNING)
                .setStateMessage(scored ? "computing " + method + " importance scores"
                        : method + " selects channels from sampled activations while pruning")
                .setCreateTime(ts(now)).setUpdateTime(ts(now)).build();
        List<Outgoing> out = new ArrayList<>();
        out.add(stateChanged(job, State.STATE_UNSPECIFIED, now));
        out.add(scored ? send(Topics.SCORING_REQUESTS, job, ScoringRequested.newBuilder().setPruneJob(job.getName())
                .setModelVersion(job.getModelVersion()).setMethod(job.getMethod()).setDataset(job.getDataset())
                .setOccurredTime(ts(now)).build()) : pruningRequest(job, "", now));
        return new Transition(new Change(job, null, null, out, List.of(jobEvent(job, now))), List.of());
    }

    // ------------------------------------------------------------------------------------------------ rules

    private static Transition scoresReady(PruneJob job, SagaEvent e, Instant now) {
        String uri = ((ScoresReady) e).scoresUri();
        Transition t = move(job, State.PRUNING, "pruning with the scores in " + uri, List.of(pruningRequest(job, uri, now)), now);
        Change c = t.change();
        return new Transition(new Change(c.job(), uri, null, c.outbox(), c.watch()), List.of());
    }

    private static Transition pruned(PruneJob job, SagaEvent e, Instant now) {
        Pruned p = (Pruned) e;
        PruneJob.Builder b = job.toBuilder().setPrunedVersion(p.prunedVersion());
        List<Outgoing> out = new ArrayList<>();
        for (int i = 0; i < b.getCandidatesCount(); i++) {
            PruneJob.Candidate c = b.getCandidates(i);
            int epochs = Budgets.epochs(c.getRetrainMode(), b.getPlan(), p.family(), p.flopsRatio(), p.defaultScratchBCap());
            b.setCandidates(i, c.toBuilder().setEpochs(epochs));
            out.add(trainingRequest(TrainingRequested.newBuilder().setTrainingRun(c.getTrainingRun())
                    .setPruneJob(b.getName()).setModelVersion(p.prunedVersion()).setRetrainMode(c.getRetrainMode())
                    .setDataset(b.getDataset()).setPlan(b.getPlan()).setEpochs(epochs).setOccurredTime(ts(now)).build()));
        }
        Transition t = move(b.build(), State.TRAINING, String.format(Locale.ROOT, "training %d candidate(s) of %s (%.2fx fewer FLOPs)",
                b.getCandidatesCount(), p.prunedVersion(), p.flopsRatio()), out, now);
        Change c = t.change();
        return new Transition(new Change(c.job(), null, p.flopsRatio(), c.outbox(), c.watch()), List.of());
    }

    private static Transition candidateTrained(PruneJob job, SagaEvent e, Instant now) {
        CandidateTrained ct = (CandidateTrained) e;
        int i = candidateIndex(job, ct.trainingRun());
        if (i < 0 || !job.getCandidates(i).getModelVersion().isEmpty()) {
            return null; // not this job's run, or already recorded (a redelivered event)
        }
        PruneJob.Candidate c = job.getCandidates(i);
        PruneJob trained = job.toBuilder().setCandidates(i, c.toBuilder().setModelVersion(ct.modelVersion())
                .setEpochs(ct.epochs() > 0 ? ct.epochs() : c.getEpochs())).build();
        if (trained.getCandidatesList().stream().anyMatch(k -> k.getModelVersion().isEmpty())) {
            return quiet(trained, now);
        }
        // every evaluation at once, after all training: latencies measured on an otherwise idle worker compare
        List<Outgoing> out = new ArrayList<>();
        evaluations(trained).forEach((role, version) -> out.add(evaluationRequest(trained, role, version, now)));
        return move(trained, State.EVALUATING, "evaluating the baseline, the pruned model and " + trained.getCandidatesCount()
                + " candidate(s)", out, now);
    }

    private static Transition candidateFailed(PruneJob job, SagaEvent e, Instant now) {
        CandidateFailed cf = (CandidateFailed) e;
        int i = candidateIndex(job, cf.trainingRun());
        if (i < 0) {
            return null;
        }
        // the comparison would be incomplete without this candidate
        return fail(job, "candidate " + job.getCandidates(i).getLabel() + ": " + cf.trainingRun() + " ended " + cf.status()
                + (cf.reason().isEmpty() ? "" : ": " + cf.reason()), now);
    }

    private static Transition evaluated(PruneJob job, SagaEvent e, Instant now) {
        Evaluated ev = (Evaluated) e;
        String role = roleOf(job, ev.evaluation());
        if (role == null) {
            return null;
        }
        PruneJob.Builder b = job.toBuilder();
        if (BASELINE.equals(role)) {
            b.setBaselineMetrics(ev.metrics());
        } else if (PRUNED.equals(role)) {
            b.setPrunedMetrics(ev.metrics());
        } else {
            for (int k = 0; k < b.getCandidatesCount(); k++) {
                if (b.getCandidates(k).getLabel().equals(role)) {
                    b.setCandidates(k, b.getCandidates(k).toBuilder().setMetrics(ev.metrics()));
                }
            }
        }
        PruneJob updated = b.build();
        boolean done = updated.hasBaselineMetrics() && updated.hasPrunedMetrics()
                && updated.getCandidatesList().stream().allMatch(c -> c.hasMetrics() && !c.getModelVersion().isEmpty());
        return done ? end(updated, State.SUCCEEDED, summary(updated), now) : quiet(updated, now);
    }

    private static Transition evaluationFailed(PruneJob job, SagaEvent e, Instant now) {
        EvaluationFailed ef = (EvaluationFailed) e;
        String role = roleOf(job, ef.evaluation());
        if (role == null) {
            return null;
        }
        return fail(job, "evaluation of " + role + " (" + ef.modelVersion() + ") ended " + ef.status()
                + (ef.reason().isEmpty() ? "" : ": " + ef.reason()), now);
    }

    private static Transition stalled(PruneJob job, SagaEvent e, Instant now) {
        Stalled s = (Stalled) e;
        if (!unchangedFor(job, s.timeout(), now)) {
            return null; // an answer came in meanwhile
        }
        return fail(job, s.reason(), now);
    }

    private static Transition stepOverdue(PruneJob job, SagaEvent e, Instant now) {
        StepOverdue o = (StepOverdue) e;
        if (!unchangedFor(job, o.timeout(), now)) {
            return null;
        }
        PruneJob next = job.toBuilder().setUpdateTime(ts(now)).build();
        return new Transition(new Change(next, null, null, List.of(pruningRequest(job, o.scoresUri(), now)),
                List.of(jobEvent(next, now))), List.of());
    }

    private static boolean unchangedFor(PruneJob job, java.time.Duration d, Instant now) {
        Instant changed = Instant.ofEpochSecond(job.getUpdateTime().getSeconds(), job.getUpdateTime().getNanos());
        return !changed.isAfter(now.minus(d));
    }

    // ------------------------------------------------------------------------------------------------ parts

    /** The job's evaluations by role: baseline, pruned, then each candidate's label, with the version each measures. */
    public static Map<String, String> evaluations(PruneJob job) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(BASELINE, job.getModelVersion());
        out.put(PRUNED, job.getPrunedVersion());
        for (PruneJob.Candidate c : job.getCandidatesList()) {
            out.put(c.getLabel(), c.getModelVersion());
        }
        return out;
    }

    /** The role of an evaluation this job asked for (matched against the names it asked with), or null. */
    public static String roleOf(PruneJob job, String evaluation) {
        for (String role : evaluations(job).keySet()) {
            if (evaluationName(job, role).equals(evaluation)) {
                return role;
            }
        }
        return null;
    }

    /** The index of the candidate trained by {@code run}, or -1. */
    public static int candidateIndex(PruneJob job, String run) {
        for (int i = 0; i < job.getCandidatesCount(); i++) {
            if (job.getCandidates(i).getTrainingRun().equals(run)) {
                return i;
            }
        }
        return -1;
    }

    static String evaluationName(PruneJob job, String role) {
        return Names.evaluation(Names.jobIdOrNull(job.getName()), role);
    }

    private static Transition fail(PruneJob job, String reason, Instant now) {
        return end(job, State.FAILED, reason, now);
    }

    /** Ends the job; the candidates' runs that have not produced a model are no longer needed. */
    private static Transition end(PruneJob job, State to, String message, Instant now) {
        List<String> cancel = new ArrayList<>();
        if (job.getState() == State.TRAINING || job.getState() == State.EVALUATING) {
            for (PruneJob.Candidate c : job.getCandidatesList()) {
                if (c.getModelVersion().isEmpty()) {
                    cancel.add(c.getTrainingRun());
                }
            }
        }
        Transition t = move(job, to, message, List.of(), now);
        String tag = endTag(to);
        return new Transition(t.change(), cancel, tag == null ? List.of() : registered(job), tag);
    }

    private static Transition move(PruneJob job, State to, String message, List<Outgoing> extra, Instant now) {
        PruneJob.Builder b = job.toBuilder().setState(to).setStateMessage(message).setUpdateTime(ts(now));
        if (terminal(to)) {
            b.setEndTime(ts(now));
        }
        PruneJob next = b.build();
        List<Outgoing> out = new ArrayList<>(extra);
        out.add(stateChanged(next, job.getState(), now));
        return new Transition(new Change(next, null, null, out, List.of(jobEvent(next, now))), List.of());
    }

    /** A change watchers see as the job's new form, without a change of state. */
    private static Transition quiet(PruneJob job, Instant now) {
        PruneJob next = job.toBuilder().setUpdateTime(ts(now)).build();
        return new Transition(new Change(next, null, null, List.of(), List.of(jobEvent(next, now))), List.of());
    }

    private static Outgoing pruningRequest(PruneJob job, String scoresUri, Instant now) {
        return send(Topics.PRUNING_REQUESTS, job, PruningRequested.newBuilder().setPruneJob(job.getName())
                .setModelVersion(job.getModelVersion()).setScoresUri(scoresUri).setOccurredTime(ts(now)).build());
    }

    private static Outgoing evaluationRequest(PruneJob job, String role, String version, Instant now) {
        String name = evaluationName(job, role);
        return send(Topics.EVALUATION_REQUESTS, job, EvaluationRequested.newBuilder().setEvaluation(name).setPruneJob(job.getName())
                .setModelVersion(version).setDataset(job.getDataset()).setMeasureLatency(true).setOccurredTime(ts(now)).build(), name);
    }

    private static Outgoing stateChanged(PruneJob job, State previous, Instant now) {
        return send(Topics.PRUNING_EVENTS, job, PruneJobStateChanged.newBuilder().setPruneJob(job.getName())
                .setModelVersion(job.getModelVersion()).setPreviousState(previous).setState(job.getState())
                .setStateMessage(job.getStateMessage()).setRepruneTrigger(job.getRepruneTrigger()).setOccurredTime(ts(now)).build());
    }

    /**
     * A candidate's run, keyed by the run rather than the job: a job's runs then spread over the partitions (by the
     * hash of the key), so that training replicas (GPUs) on different partitions train them at once. Nothing needs
     * them in order: each run is its own resource, and {@code candidateTrained} records whichever finishes first and
     * moves on only when every candidate has.
     */
    private static Outgoing trainingRequest(TrainingRequested r) {
        return new Outgoing(Topics.TRAINING_REQUESTS, EventEnvelope.of(r, SOURCE, r.getTrainingRun(), r.getTrainingRun()));
    }

    /** An event about the job, keyed by the job so that each job's events stay in order. */
    private static Outgoing send(String topic, PruneJob job, com.google.protobuf.Message payload) {
        return send(topic, job, payload, job.getName());
    }

    private static Outgoing send(String topic, PruneJob job, com.google.protobuf.Message payload, String subject) {
        return new Outgoing(topic, EventEnvelope.of(payload, SOURCE, subject, job.getName()));
    }

    public static PruneJobEvent jobEvent(PruneJob job, Instant now) {
        return PruneJobEvent.newBuilder().setPruneJob(job.getName()).setEventTime(ts(now)).setJob(job).build();
    }

    /** The message of a job that SUCCEEDED: every accuracy and the FLOPs saved. */
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

    public static Timestamp ts(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
