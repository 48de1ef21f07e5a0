package dev.sculptor.pruning.saga;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.PruningRequested;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
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
import dev.sculptor.pruning.service.Names;
import dev.sculptor.pruning.store.JobRepository.Outgoing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The saga's table, transition by transition, without Quarkus, a database or a broker. */
class SagaTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String JOB = "pruneJobs/j1";
    static final String VERSION = "models/m/versions/1";

    /** A validated job as the service builds it: two candidates, fine-tune and Scratch-B. */
    static PruneJob validated(PruningMethod method) {
        return PruneJob.newBuilder().setName(JOB).setModelVersion(VERSION).setTargetModel("models/m")
                .setMethod(MethodSpec.newBuilder().setMethod(method)).addRetrainModes(RetrainMode.FINE_TUNE)
                .addRetrainModes(RetrainMode.SCRATCH_B).setDataset(DatasetRef.newBuilder().setUri("fashion-mnist"))
                .setPlan(TrainingPlan.newBuilder().setEpochs(4).setFinetuneEpochs(2))
                .addCandidates(PruneJob.Candidate.newBuilder().setLabel("fine-tune").setRetrainMode(RetrainMode.FINE_TUNE)
                        .setTrainingRun("trainingRuns/j1-fine-tune"))
                .addCandidates(PruneJob.Candidate.newBuilder().setLabel("scratch-b").setRetrainMode(RetrainMode.SCRATCH_B)
                        .setTrainingRun("trainingRuns/j1-scratch-b"))
                .build();
    }

    static PruneJob started() {
        return Saga.start(validated(PruningMethod.L1_NORM), "lenet", T0).change().job();
    }

    static Saga.Transition step(PruneJob job, SagaEvent e) {
        return Saga.next(job, e, T0.plusSeconds(1));
    }

    static PruneJob training() {
        PruneJob pruning = step(started(), new ScoresReady("s3://b/jobs/j1/scores/")).change().job();
        return step(pruning, new Pruned("models/m/versions/2", 3.66, "lenet", 4.0)).change().job();
    }

    static PruneJob evaluating() {
        PruneJob one = step(training(), new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/3", 2)).change().job();
        return step(one, new CandidateTrained("trainingRuns/j1-scratch-b", "models/m/versions/4", 15)).change().job();
    }

    static <M extends com.google.protobuf.Message> M payload(Outgoing o, com.google.protobuf.Parser<M> parser) {
        try {
            return parser.parseFrom(o.event().payload());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    static List<Outgoing> on(Saga.Transition t, String topic) {
        return t.change().outbox().stream().filter(o -> o.topic().equals(topic)).toList();
    }

    /** Every change of state announces itself once, with the state it left. */
    static void assertAnnounced(Saga.Transition t, State from, State to) {
        List<Outgoing> changed = on(t, Topics.PRUNING_EVENTS);
        assertEquals(1, changed.size());
        PruneJobStateChanged c = payload(changed.get(0), PruneJobStateChanged.parser());
        assertEquals(from, c.getPreviousState());
        assertEquals(to, c.getState());
        assertEquals(JOB, changed.get(0).event().key());
        assertEquals(to, t.change().job().getState());
        assertEquals(1, t.change().watch().size(), "watchers see the new form");
    }

    @Test
    void aScoredMethodStartsInScoringAndAsksForScores() {
        Saga.Transition t = Saga.start(validated(PruningMethod.L1_NORM), "lenet", T0);
        assertAnnounced(t, State.STATE_UNSPECIFIED, State.SCORING);
        ScoringRequested r = payload(on(t, Topics.SCORING_REQUESTS).get(0), ScoringRequested.parser());
        assertEquals(JOB, r.getPruneJob());
        assertEquals(VERSION, r.getModelVersion());
        PruneJob job = t.change().job();
        assertEquals(2, job.getCandidates(0).getEpochs(), "fine-tune's epochs are the plan's");
        assertEquals(0, job.getCandidates(1).getEpochs(), "Scratch-B's wait for the pruned FLOPs");
        assertTrue(on(t, Topics.PRUNING_REQUESTS).isEmpty());
    }

    @Test
    void aDataDrivenMethodStartsInPruningWithoutScores() {
        Saga.Transition t = Saga.start(validated(PruningMethod.THINET), "lenet", T0);
        assertAnnounced(t, State.STATE_UNSPECIFIED, State.PRUNING);
        assertTrue(on(t, Topics.SCORING_REQUESTS).isEmpty());
        PruningRequested r = payload(on(t, Topics.PRUNING_REQUESTS).get(0), PruningRequested.parser());
        assertEquals(JOB, r.getPruneJob());
        assertEquals("", r.getScoresUri());
    }

    @Test
    void scoresMoveTheJobToPruningWithARequestNamingThem() {
        Saga.Transition t = step(started(), new ScoresReady("s3://b/jobs/j1/scores/"));
        assertAnnounced(t, State.SCORING, State.PRUNING);
        assertEquals("s3://b/jobs/j1/scores/", t.change().scoresUri());
        PruningRequested r = payload(on(t, Topics.PRUNING_REQUESTS).get(0), PruningRequested.parser());
        assertEquals("s3://b/jobs/j1/scores/", r.getScoresUri());
        assertEquals(JOB, on(t, Topics.PRUNING_REQUESTS).get(0).event().key());
    }

    @Test
    void failedScoringFailsTheJob() {
        Saga.Transition t = step(started(), new ScoringFailed("unknown preset"));
        assertAnnounced(t, State.SCORING, State.FAILED);
        assertEquals("scoring failed: unknown preset", t.change().job().getStateMessage());
        assertTrue(t.change().job().hasEndTime());
    }

    @Test
    void prunedAsksForOneRunPerCandidateWithTheEnginesBudgets() {
        PruneJob pruning = step(started(), new ScoresReady("s3://b/s/")).change().job();
        Saga.Transition t = step(pruning, new Pruned("models/m/versions/2", 3.66, "lenet", 4.0));
        assertAnnounced(t, State.PRUNING, State.TRAINING);
        assertEquals(3.66, t.change().flopsRatio());
        List<Outgoing> runs = on(t, Topics.TRAINING_REQUESTS);
        assertEquals(2, runs.size());
        TrainingRequested ft = payload(runs.get(0), TrainingRequested.parser());
        TrainingRequested sb = payload(runs.get(1), TrainingRequested.parser());
        assertEquals("trainingRuns/j1-fine-tune", ft.getTrainingRun());
        assertEquals("models/m/versions/2", ft.getModelVersion());
        assertEquals(2, ft.getEpochs());
        assertEquals(14, sb.getEpochs(), "Scratch-B: 4 epochs x 3.66 fewer FLOPs (14.6, floored), under the cap of 4 x 4");
        assertEquals(RetrainMode.SCRATCH_B, sb.getRetrainMode());
        assertEquals("trainingRuns/j1-scratch-b", runs.get(1).event().key(), "keyed by the run: a job's runs spread over partitions");
        assertEquals("trainingRuns/j1-scratch-b", runs.get(1).event().subject());
        assertEquals(14, t.change().job().getCandidates(1).getEpochs());
        assertEquals("models/m/versions/2", t.change().job().getPrunedVersion());
    }

    /** The three candidates of one job, as the service names their runs. */
    static PruneJob threeCandidates(String jobId) {
        PruneJob.Builder b = validated(PruningMethod.L1_NORM).toBuilder().setName("pruneJobs/" + jobId).clearCandidates();
        for (RetrainMode m : List.of(RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_E, RetrainMode.SCRATCH_B)) {
            String label = m.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            b.addCandidates(PruneJob.Candidate.newBuilder().setLabel(label).setRetrainMode(m)
                    .setTrainingRun(Names.trainingRun(jobId, label)));
        }
        PruneJob job = Saga.start(b.build(), "lenet", T0).change().job();
        return step(job, new ScoresReady("s3://b/jobs/" + jobId + "/scores/")).change().job();
    }

    @Test
    void eachCandidatesTrainingRequestIsKeyedByItsRunEveryOtherMessageByTheJob() {
        PruneJob pruning = threeCandidates("j3");
        Saga.Transition t = step(pruning, new Pruned("models/m/versions/2", 3.66, "lenet", 4.0));
        List<Outgoing> runs = on(t, Topics.TRAINING_REQUESTS);
        assertEquals(3, runs.size());
        for (Outgoing o : runs) {
            TrainingRequested r = payload(o, TrainingRequested.parser());
            assertEquals(r.getTrainingRun(), o.event().key());
            assertEquals(r.getTrainingRun(), o.event().subject());
            assertEquals("pruneJobs/j3", r.getPruneJob());
            // no partition of our own: the producer's default partitioner places the record by its key
            assertNull(o.event().toRecord(o.topic()).partition());
        }
        assertEquals(List.of("trainingRuns/j3-fine-tune", "trainingRuns/j3-scratch-e", "trainingRuns/j3-scratch-b"),
                runs.stream().map(o -> o.event().key()).toList());
        t.change().outbox().stream().filter(o -> !o.topic().equals(Topics.TRAINING_REQUESTS))
                .forEach(o -> assertEquals("pruneJobs/j3", o.event().key(), o.topic() + " stays keyed by the job"));
    }

    @Test
    void aJobsThreeRunsLandOnMoreThanOnePartitionOfThree() {
        Saga.Transition t = step(threeCandidates("j3"), new Pruned("models/m/versions/2", 3.66, "lenet", 4.0));
        // the default partitioner's own function (murmur2 of the serialized key, modulo the partitions): deterministic
        java.util.Set<Integer> partitions = new java.util.TreeSet<>();
        for (Outgoing o : on(t, Topics.TRAINING_REQUESTS)) {
            byte[] key = new org.apache.kafka.common.serialization.StringSerializer().serialize(o.topic(), o.event().key());
            partitions.add(org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, 3));
        }
        assertTrue(partitions.size() >= 2, "partitions " + partitions);
    }

    @Test
    void candidatesMayFinishInAnyOrder() {
        PruneJob training = training();
        PruneJob second = step(training, new CandidateTrained("trainingRuns/j1-scratch-b", "models/m/versions/4", 15)).change().job();
        assertEquals(State.TRAINING, second.getState());
        Saga.Transition t = step(second, new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/3", 2));
        assertAnnounced(t, State.TRAINING, State.EVALUATING);
        assertEquals("models/m/versions/3", t.change().job().getCandidates(0).getModelVersion());
        assertEquals("models/m/versions/4", t.change().job().getCandidates(1).getModelVersion());
    }

    @Test
    void pruningFailedFailsTheJob() {
        PruneJob pruning = step(started(), new ScoresReady("s3://b/s/")).change().job();
        Saga.Transition t = step(pruning, new PruningFailed("pruning failed: corrupt checkpoint"));
        assertAnnounced(t, State.PRUNING, State.FAILED);
        assertTrue(t.runsToCancel().isEmpty(), "no run was asked for yet");
    }

    @Test
    void theLastTrainedCandidateAsksForEveryEvaluationAtOnce() {
        Saga.Transition first = step(training(), new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/3", 2));
        assertEquals(State.TRAINING, first.change().job().getState());
        assertTrue(first.change().outbox().isEmpty(), "no change of state, nothing sent");
        assertEquals(1, first.change().watch().size());
        assertEquals("models/m/versions/3", first.change().job().getCandidates(0).getModelVersion());

        Saga.Transition last = step(first.change().job(), new CandidateTrained("trainingRuns/j1-scratch-b", "models/m/versions/4", 15));
        assertAnnounced(last, State.TRAINING, State.EVALUATING);
        List<EvaluationRequested> evals = on(last, Topics.EVALUATION_REQUESTS).stream()
                .map(o -> payload(o, EvaluationRequested.parser())).toList();
        assertEquals(List.of("evaluations/j1-baseline", "evaluations/j1-pruned", "evaluations/j1-fine-tune",
                "evaluations/j1-scratch-b"), evals.stream().map(EvaluationRequested::getEvaluation).toList());
        assertEquals(List.of(VERSION, "models/m/versions/2", "models/m/versions/3", "models/m/versions/4"),
                evals.stream().map(EvaluationRequested::getModelVersion).toList());
        assertTrue(evals.stream().allMatch(EvaluationRequested::getMeasureLatency));
    }

    @Test
    void aRepeatedOrForeignRunChangesNothing() {
        PruneJob one = step(training(), new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/3", 2)).change().job();
        assertNull(step(one, new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/9", 2)), "redelivered");
        assertNull(step(one, new CandidateTrained("trainingRuns/j2-fine-tune", "models/m/versions/9", 2)), "another job's run");
        assertNull(step(one, new CandidateFailed("trainingRuns/other", TrainingRun.State.FAILED, "x")));
    }

    @Test
    void aFailedCandidateFailsTheJobAndCancelsTheRunsStillGoing() {
        PruneJob one = step(training(), new CandidateTrained("trainingRuns/j1-fine-tune", "models/m/versions/3", 2)).change().job();
        Saga.Transition t = step(one, new CandidateFailed("trainingRuns/j1-scratch-b", TrainingRun.State.FAILED, "NaN loss"));
        assertAnnounced(t, State.TRAINING, State.FAILED);
        assertEquals("candidate scratch-b: trainingRuns/j1-scratch-b ended FAILED: NaN loss", t.change().job().getStateMessage());
        assertEquals(List.of("trainingRuns/j1-scratch-b"), t.runsToCancel(), "the trained fine-tune has nothing to cancel");
        assertEquals(List.of("models/m/versions/2", "models/m/versions/3"), t.versionsToMark(), "the pruned model and the trained one");
        assertEquals(Saga.FAILED_TAG, t.endTag());
    }

    @Test
    void onlyAnEndOtherThanSuccessMarksTheVersionsTheJobRegistered() {
        Saga.Transition cancelled = step(evaluating(), new Cancel());
        assertEquals(List.of("models/m/versions/2", "models/m/versions/3", "models/m/versions/4"), cancelled.versionsToMark());
        assertEquals(Saga.CANCELLED_TAG, cancelled.endTag());
        Saga.Transition early = step(started(), new Fail("gone"));
        assertEquals(List.of(), early.versionsToMark(), "nothing registered yet");
        Saga.Transition moved = step(started(), new ScoresReady("s3://b/jobs/j1/scores/"));
        assertEquals(List.of(), moved.versionsToMark());
        assertNull(moved.endTag());
        assertNull(Saga.endTag(State.SUCCEEDED));
    }

    @Test
    void theLastEvaluationEndsTheJobWithASummary() {
        PruneJob job = evaluating();
        String[] names = {"evaluations/j1-baseline", "evaluations/j1-pruned", "evaluations/j1-fine-tune", "evaluations/j1-scratch-b"};
        long[] flops = {1100, 300, 300, 300};
        double[] acc = {0.8857, 0.5639, 0.8851, 0.9083};
        Saga.Transition t = null;
        for (int i = 0; i < names.length; i++) {
            t = step(job, new Evaluated(names[i], ModelMetrics.newBuilder().setAccuracy(acc[i]).setFlops(flops[i]).build()));
            assertNotNull(t, names[i]);
            job = t.change().job();
            assertEquals(i < names.length - 1 ? State.EVALUATING : State.SUCCEEDED, job.getState());
        }
        assertAnnounced(t, State.EVALUATING, State.SUCCEEDED);
        assertEquals("done: baseline 88.57%, fine-tune 88.51%, scratch-b 90.83% at 3.67x fewer FLOPs", job.getStateMessage());
        assertEquals(0.9083, job.getCandidates(1).getMetrics().getAccuracy());
        assertTrue(job.hasEndTime());
    }

    @Test
    void anEvaluationTheJobDidNotAskForChangesNothing() {
        assertNull(step(evaluating(), new Evaluated("evaluations/j2-baseline", ModelMetrics.getDefaultInstance())));
        assertNull(step(evaluating(), new Evaluated("evaluations/j1-lottery-ticket", ModelMetrics.getDefaultInstance())));
    }

    @Test
    void aFailedEvaluationFailsTheJob() {
        Saga.Transition t = step(evaluating(), new EvaluationFailed("evaluations/j1-pruned", "models/m/versions/2",
                Evaluation.State.FAILED, "corrupt checkpoint"));
        assertAnnounced(t, State.EVALUATING, State.FAILED);
        assertEquals("evaluation of pruned (models/m/versions/2) ended FAILED: corrupt checkpoint", t.change().job().getStateMessage());
        assertTrue(t.runsToCancel().isEmpty(), "every candidate is trained");
    }

    @Test
    void aStallFailsOnlyAJobUnchangedForTheWholeDeadline() {
        PruneJob scoring = started(); // updated at T0
        assertNull(Saga.next(scoring, new Stalled(Duration.ofMinutes(5), "no answer"), T0.plusSeconds(60)), "an answer may still come");
        Saga.Transition t = Saga.next(scoring, new Stalled(Duration.ofMinutes(5), "no answer"), T0.plus(Duration.ofMinutes(6)));
        assertAnnounced(t, State.SCORING, State.FAILED);
        assertEquals("no answer", t.change().job().getStateMessage());
        assertNull(Saga.next(training(), new Stalled(Duration.ofMinutes(5), "x"), T0.plus(Duration.ofDays(1))),
                "TRAINING has the training service's bounded attempts, no deadline here");
    }

    @Test
    void anOverduePruningStepIsAskedForAgainNotFailed() {
        PruneJob pruning = step(started(), new ScoresReady("s3://b/jobs/j1/scores/")).change().job(); // updated at T0 + 1 s
        StepOverdue overdue = new StepOverdue(Duration.ofMinutes(30), "s3://b/jobs/j1/scores/");
        assertNull(Saga.next(pruning, overdue, T0.plus(Duration.ofMinutes(20))), "the step may still be running");
        Instant late = T0.plus(Duration.ofMinutes(40));
        Saga.Transition t = Saga.next(pruning, overdue, late);
        assertEquals(State.PRUNING, t.change().job().getState());
        assertEquals(late.getEpochSecond(), t.change().job().getUpdateTime().getSeconds(), "the next deadline counts from now");
        assertTrue(on(t, Topics.PRUNING_EVENTS).isEmpty(), "no change of state to announce");
        PruningRequested r = payload(on(t, Topics.PRUNING_REQUESTS).get(0), PruningRequested.parser());
        assertEquals(JOB, r.getPruneJob());
        assertEquals("s3://b/jobs/j1/scores/", r.getScoresUri());
        String first = on(step(started(), new ScoresReady("s3://b/jobs/j1/scores/")), Topics.PRUNING_REQUESTS).get(0).event().id();
        assertNotEquals(first, on(t, Topics.PRUNING_REQUESTS).get(0).event().id(), "a new event, not one already processed");
        assertNull(Saga.next(training(), overdue, late), "only PRUNING has a step to ask for");
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"SCORING", "PRUNING", "TRAINING", "EVALUATING"})
    void anOpenJobCanBeCancelledOrFailed(State s) {
        PruneJob job = training().toBuilder().setState(s).build();
        Saga.Transition cancelled = step(job, new Cancel());
        assertAnnounced(cancelled, s, State.CANCELLED);
        assertEquals("cancelled on request (was " + s + ")", cancelled.change().job().getStateMessage());
        boolean runsGoing = s == State.TRAINING || s == State.EVALUATING;
        assertEquals(runsGoing ? List.of("trainingRuns/j1-fine-tune", "trainingRuns/j1-scratch-b") : List.of(), cancelled.runsToCancel());
        assertEquals(State.FAILED, step(job, new Fail("cannot register")).change().job().getState());
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"SUCCEEDED", "FAILED", "CANCELLED"})
    void anEndedJobTakesNoEventAtAll(State s) {
        PruneJob ended = training().toBuilder().setState(s).build();
        for (SagaEvent e : List.of(new ScoresReady("u"), new ScoringFailed("r"), new Pruned("v", 2, "lenet", null),
                new PruningFailed("r"), new CandidateTrained("trainingRuns/j1-fine-tune", "v", 1),
                new CandidateFailed("trainingRuns/j1-fine-tune", TrainingRun.State.FAILED, ""),
                new Evaluated("evaluations/j1-baseline", ModelMetrics.getDefaultInstance()),
                new EvaluationFailed("evaluations/j1-baseline", "v", Evaluation.State.FAILED, ""),
                new Stalled(Duration.ZERO, "r"), new StepOverdue(Duration.ZERO, ""), new Cancel(), new Fail("r"))) {
            assertFalse(Saga.handles(s, e.getClass()), s + " x " + e);
            assertNull(Saga.next(ended, e, T0.plus(Duration.ofDays(1))), s + " x " + e);
        }
    }

    @Test
    void eventsOutOfTheirStateChangeNothing() {
        assertNull(step(training(), new ScoresReady("u")), "scores after pruning");
        assertNull(step(started(), new Pruned("v", 2, "lenet", null)), "pruned before scores");
        assertNull(step(started(), new Evaluated("evaluations/j1-baseline", ModelMetrics.getDefaultInstance())));
        assertNull(step(evaluating(), new CandidateTrained("trainingRuns/j1-fine-tune", "v", 1)));
    }

    @Test
    void everyMessageIsAnEnvelopeFromThePruningService() {
        for (Outgoing o : Saga.start(validated(PruningMethod.L1_NORM), "lenet", T0).change().outbox()) {
            EventEnvelope e = o.event();
            assertEquals(Saga.SOURCE, e.source());
            assertFalse(e.id().isEmpty());
        }
    }
}
