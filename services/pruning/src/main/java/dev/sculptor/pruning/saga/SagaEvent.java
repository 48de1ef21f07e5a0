package dev.sculptor.pruning.saga;

import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.TrainingRun;
import java.time.Duration;

/**
 * What can happen to a prune job, as the saga's table reads it. Each event names what it is about by an
 * explicit field (a training run, an evaluation) that the table matches against the names the job
 * itself asked for; nothing is parsed back out of a name.
 */
public sealed interface SagaEvent {
    /** The scoring service stored the job's scores (and the engine's plan) under {@code scoresUri}. */
    record ScoresReady(String scoresUri) implements SagaEvent {}

    /** The scoring service could not score. */
    record ScoringFailed(String reason) implements SagaEvent {}

    /**
     * The pruning step registered the pruned version.
     *
     * @param flopsRatio FLOPs(baseline) / FLOPs(pruned): Scratch-B's budget
     * @param family the architecture family, for the default epochs of a plan that gives none
     * @param defaultScratchBCap Scratch-B's cap when the job's plan has none (null: none)
     */
    record Pruned(String prunedVersion, double flopsRatio, String family, Double defaultScratchBCap) implements SagaEvent {}

    /** The pruning step cannot succeed. */
    record PruningFailed(String reason) implements SagaEvent {}

    /** A candidate's run ended SUCCEEDED and its model is registered as {@code modelVersion}. */
    record CandidateTrained(String trainingRun, String modelVersion, int epochs) implements SagaEvent {}

    /** A candidate's run ended without a model (FAILED or CANCELLED). */
    record CandidateFailed(String trainingRun, TrainingRun.State status, String reason) implements SagaEvent {}

    /** An evaluation the job asked for ended SUCCEEDED. */
    record Evaluated(String evaluation, ModelMetrics metrics) implements SagaEvent {}

    /** An evaluation the job asked for ended without metrics. */
    record EvaluationFailed(String evaluation, String modelVersion, Evaluation.State status, String reason) implements SagaEvent {}

    /** No answer changed the job for {@code timeout} while it waited in SCORING or EVALUATING. */
    record Stalled(Duration timeout, String reason) implements SagaEvent {}

    /**
     * The pruning step has not ended within {@code timeout}: its request may have been dead-lettered or lost, so it is
     * asked for again (the step counts its starts and fails the job after too many).
     */
    record StepOverdue(Duration timeout, String scoresUri) implements SagaEvent {}

    /** Someone cancelled the job. */
    record Cancel() implements SagaEvent {}

    /** A step outside the table (e.g. registering a candidate) cannot succeed. */
    record Fail(String reason) implements SagaEvent {}
}
