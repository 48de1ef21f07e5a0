package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.LENET;
import static dev.sculptor.pruning.Fixtures.await;
import static dev.sculptor.pruning.Fixtures.awaitPayloads;
import static dev.sculptor.pruning.Fixtures.awaitProcessed;
import static dev.sculptor.pruning.Fixtures.awaitState;
import static dev.sculptor.pruning.Fixtures.envelope;
import static dev.sculptor.pruning.Fixtures.get;
import static dev.sculptor.pruning.Fixtures.header;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static dev.sculptor.pruning.Fixtures.now;
import static dev.sculptor.pruning.Fixtures.records;
import static dev.sculptor.pruning.Fixtures.versionCount;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.WatchPruneJobRequest;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.experiment.KeptChannels;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.pruning.events.PruningWorker;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * One L1-norm job through the whole saga, the test playing the scoring, training and evaluation
 * services over the real broker, with the real engine and a fake registry ({@link FakeRegistry}).
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class PruneJobSagaTest extends PruningTestBase {
    @Inject
    PruningWorker worker;

    @Test
    void anL1JobScoresPrunesRetrainsEvaluatesAndRegistersWithLineage() throws Exception {
        String model = Fixtures.unique("saga");
        try (Clients c = new Clients(url.getPort(), registry); Network net = Network.create(LENET, 11)) {
            Fixtures.createModel(c, model);
            ModelVersion baseline = Fixtures.registerBaseline(c, store, tmp, model, net, null);
            assertEquals("models/" + model + "/versions/1", baseline.getName());

            // what the engine itself keeps of this network, and what that costs
            PrunePlan plan = new L1NormPruning(null, 0.5, Map.of(), Set.of()).plan(net);
            PruneResult expected = new L1NormPruning(null, 0.5, Map.of(), Set.of()).prune(net);
            double flopsRatio;
            long prunedFlops;
            List<Integer> prunedConvs;
            List<Integer> prunedHidden;
            try (Network p = expected.network()) {
                prunedFlops = ModelStats.of(p).flops();
                flopsRatio = (double) ModelStats.of(net).flops() / prunedFlops;
                prunedConvs = p.spec().convWidths();
                prunedHidden = p.spec().hidden();
            }
            assertEquals(List.of(16, 32), prunedConvs, "ratio 0.5 halves LeNet's [32, 64] convolutions");
            int scratchB = (int) Math.min(Math.max(2, Math.floor(2 * flopsRatio)), 8);
            assertTrue(scratchB > 2, "a halved LeNet costs several times fewer FLOPs: " + flopsRatio);

            String id = Fixtures.unique("saga");
            String name = "pruneJobs/" + id;
            PruneJob created = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJobId(id)
                    .setPruneJob(l1Job(baseline.getName()).addRetrainModes(RetrainMode.FINE_TUNE)
                            .addRetrainModes(RetrainMode.SCRATCH_E).addRetrainModes(RetrainMode.SCRATCH_B))
                    .build());
            assertEquals(name, created.getName());
            assertEquals(State.SCORING, created.getState());
            assertEquals(baseline.getName(), created.getModelVersion());
            assertEquals("models/" + model, created.getTargetModel());
            assertEquals(List.of("fine-tune", "scratch-e", "scratch-b"), created.getCandidatesList().stream()
                    .map(PruneJob.Candidate::getLabel).toList());
            assertEquals(List.of("trainingRuns/" + id + "-fine-tune", "trainingRuns/" + id + "-scratch-e",
                    "trainingRuns/" + id + "-scratch-b"), created.getCandidatesList().stream()
                    .map(PruneJob.Candidate::getTrainingRun).toList());
            assertEquals(List.of(1, 2, 0), created.getCandidatesList().stream().map(PruneJob.Candidate::getEpochs).toList(),
                    "Scratch-B's budget waits for the pruned FLOPs");

            List<PruneJobEvent> watched = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> watchEnded = new CompletableFuture<>();
            c.pruningAsync("read-token").watchPruneJob(WatchPruneJobRequest.newBuilder().setName(name).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(PruneJobEvent e) {
                            watched.add(e);
                        }

                        @Override
                        public void onError(Throwable t) {
                            watchEnded.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            watchEnded.complete(null);
                        }
                    });

            // the scoring service's part
            ScoringRequested sr = awaitPayloads(Topics.SCORING_REQUESTS, name, ScoringRequested.parser(),
                    ScoringRequested.getDefaultInstance(), 1, r -> r.getPruneJob().equals(name)).get(0);
            assertEquals(baseline.getName(), sr.getModelVersion());
            assertEquals(PruningMethod.L1_NORM, sr.getMethod().getMethod());
            assertEquals("fashion-mnist", sr.getDataset().getUri());
            ConsumerRecord<byte[], byte[]> scoringRecord = records(Topics.SCORING_REQUESTS, name).get(0);
            assertEquals("sculptor.v1.ScoringRequested", header(scoringRecord, "ce_type"));
            assertEquals("/sculptor/pruning", header(scoringRecord, "ce_source"));
            assertEquals(name, header(scoringRecord, "ce_subject"));

            String scoresUri = Fixtures.writeScores(store, tmp, name, baseline.getName(), plan);
            assertEquals("s3://" + store.bucket() + "/jobs/" + id + "/scores/", scoresUri);
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(name, baseline.getName(), scoresUri), name, name));

            PruneJob training = awaitState(c, name, State.TRAINING);
            String prunedName = "models/" + model + "/versions/2";
            assertEquals(prunedName, training.getPrunedVersion());
            ModelVersion pruned = c.registry().getVersion(GetVersionRequest.newBuilder().setName(prunedName).build());
            assertEquals(ModelVersion.State.READY, pruned.getState());
            assertEquals(baseline.getName(), pruned.getLineage().getParentVersion());
            assertEquals(name, pruned.getLineage().getPruneJob());
            assertEquals("l1-norm", pruned.getLineage().getMethod());
            assertEquals(0.5, pruned.getLineage().getSettings().getFieldsOrThrow("ratio").getNumberValue());
            assertEquals(RetrainMode.RETRAIN_MODE_UNSPECIFIED, pruned.getLineage().getRetrainMode());
            assertEquals(prunedConvs, pruned.getArch().getConvWidthsList());
            assertEquals(LENET.name() + "-l1-norm", pruned.getArch().getName(), "the name this service has always given it");
            assertEquals(prunedHidden, pruned.getArch().getHiddenList());
            assertTrue(pruned.getTagsList().contains("sculptor-pruned"), pruned.getTagsList().toString());

            // the training requests, one per mode, with the budgets of Liu et al.
            Map<String, Integer> epochs = new LinkedHashMap<>();
            epochs.put("fine-tune", 1);
            epochs.put("scratch-e", 2);
            epochs.put("scratch-b", scratchB);
            Map<String, RetrainMode> modes = Map.of("fine-tune", RetrainMode.FINE_TUNE, "scratch-e", RetrainMode.SCRATCH_E,
                    "scratch-b", RetrainMode.SCRATCH_B);
            // keyed by their runs (so they spread over partitions), not by the job
            List<TrainingRequested> requests = awaitPayloads(Topics.TRAINING_REQUESTS, null, TrainingRequested.parser(),
                    TrainingRequested.getDefaultInstance(), 3, r -> r.getPruneJob().equals(name));
            for (TrainingRequested r : requests) {
                assertEquals(1, Fixtures.records(Topics.TRAINING_REQUESTS, r.getTrainingRun()).size(), r.getTrainingRun());
            }
            assertEquals(3, requests.size(), requests.toString());
            for (TrainingRequested r : requests) {
                String label = r.getTrainingRun().substring(("trainingRuns/" + id + "-").length());
                assertEquals("trainingRuns/" + id + "-" + label, r.getTrainingRun());
                assertEquals(modes.get(label), r.getRetrainMode(), label);
                assertEquals(epochs.get(label), r.getEpochs(), label);
                assertEquals(prunedName, r.getModelVersion(), label);
                assertEquals(name, r.getPruneJob());
                assertEquals("fashion-mnist", r.getDataset().getUri());
                assertEquals(2, r.getPlan().getEpochs());
            }
            assertEquals(new HashSet<>(epochs.keySet()), new HashSet<>(requests.stream()
                    .map(r -> r.getTrainingRun().substring(("trainingRuns/" + id + "-").length())).toList()));
            assertEquals(new ArrayList<>(epochs.values()), training.getCandidatesList().stream()
                    .map(PruneJob.Candidate::getEpochs).toList());
            assertTrue(records(Topics.EVALUATION_REQUESTS, name).isEmpty(), "evaluations are asked for after all training");

            // the training service's part: progress, then each run ends with a copy of the pruned checkpoint
            EpochProgress progress = EpochProgress.newBuilder().setEpoch(1).setEpochs(1).setStep(3).setSteps(10)
                    .setLearningRate(0.01).setLoss(1.25).setAccuracy(0.5).build();
            String fineTuneRun = "trainingRuns/" + id + "-fine-tune";
            publisher.publish(Topics.TRAINING_EVENTS, envelope(TrainingProgress.newBuilder().setTrainingRun(fineTuneRun)
                    .setPruneJob(name).setProgress(progress).setOccurredTime(now()).build(), fineTuneRun, name));
            assertEquals(2, versionCount(c, model));
            Path prunedCopy = tmp.resolve("pruned-copy");
            store.getDirectory(pruned.getCheckpoint().getUri().substring(("s3://" + store.bucket() + "/").length()), prunedCopy);
            Map<String, EventEnvelope> completions = new LinkedHashMap<>();
            for (String label : epochs.keySet()) {
                String run = "trainingRuns/" + id + "-" + label;
                String out = "runs/" + id + "-" + label + "/checkpoints/final/";
                store.putDirectory(prunedCopy, out);
                EventEnvelope e = envelope(TrainingCompleted.newBuilder().setTrainingRun(run).setPruneJob(name)
                        .setStatus(TrainingRun.State.SUCCEEDED).setOutputCheckpoint(CheckpointRef.newBuilder().setUri(store.uri(out)))
                        .setMetrics(metrics(0.8)).setEpochs(epochs.get(label)).setAttempts(1).setOccurredTime(now()).build(), run, name);
                completions.put(label, e);
                publisher.publish(Topics.TRAINING_EVENTS, e);
            }

            PruneJob evaluating = awaitState(c, name, State.EVALUATING);
            assertEquals(5, versionCount(c, model), "baseline, pruned and three candidates");
            Set<String> candidateVersions = new HashSet<>();
            for (PruneJob.Candidate cand : evaluating.getCandidatesList()) {
                assertTrue(cand.getModelVersion().matches("models/" + model + "/versions/[345]"), cand.toString());
                candidateVersions.add(cand.getModelVersion());
                ModelVersion v = c.registry().getVersion(GetVersionRequest.newBuilder().setName(cand.getModelVersion()).build());
                assertEquals(prunedName, v.getLineage().getParentVersion(), cand.getLabel());
                assertEquals(name, v.getLineage().getPruneJob(), cand.getLabel());
                assertEquals("l1-norm", v.getLineage().getMethod(), cand.getLabel());
                assertEquals(modes.get(cand.getLabel()), v.getLineage().getRetrainMode(), cand.getLabel());
                assertEquals(cand.getTrainingRun(), v.getLineage().getTrainingRun(), cand.getLabel());
                assertEquals(epochs.get(cand.getLabel()), cand.getEpochs(), cand.getLabel());
            }
            assertEquals(3, candidateVersions.size());
            List<EvaluationRequested> candidateEvals = awaitPayloads(Topics.EVALUATION_REQUESTS, name, EvaluationRequested.parser(),
                    EvaluationRequested.getDefaultInstance(), 5, r -> true);
            assertEquals(5, candidateEvals.size(), "baseline, pruned and one per candidate: " + candidateEvals);
            EvaluationRequested baselineEval = candidateEvals.stream()
                    .filter(r -> r.getEvaluation().equals("evaluations/" + id + "-baseline")).findFirst().orElseThrow();
            assertEquals(baseline.getName(), baselineEval.getModelVersion());
            assertEquals(name, baselineEval.getPruneJob());
            assertTrue(baselineEval.getMeasureLatency());
            EvaluationRequested prunedEval = candidateEvals.stream()
                    .filter(r -> r.getEvaluation().equals("evaluations/" + id + "-pruned")).findFirst().orElseThrow();
            assertEquals(prunedName, prunedEval.getModelVersion());

            // the same result again under a new event id registers nothing new
            EventEnvelope again = envelope(TrainingCompleted.parseFrom(completions.get("fine-tune").payload()), fineTuneRun, name);
            publisher.publish(Topics.TRAINING_EVENTS, again);
            awaitProcessed(ds, again.id());
            // and a redelivery under the same id is dropped before it is handled
            long duplicates = worker.consumer().duplicates();
            publisher.publish(Topics.TRAINING_EVENTS, completions.get("scratch-b"));
            await("the redelivered TrainingCompleted counted as a duplicate", () -> worker.consumer().duplicates() > duplicates);
            assertEquals(5, versionCount(c, model), "no version registered twice");
            assertEquals(evaluating.getCandidatesList(), get(c, name).getCandidatesList());

            // the evaluation service's part; a redelivered baseline result with other numbers changes nothing
            String baselineEvalId = java.util.UUID.randomUUID().toString();
            publisher.publish(Topics.EVALUATION_EVENTS, envelope(baselineEvalId, evaluationCompleted(id, name, "baseline",
                    baseline.getName(), metrics(0.91)), "evaluations/" + id + "-baseline", name));
            awaitProcessed(ds, baselineEvalId);
            assertEquals(0.91, get(c, name).getBaselineMetrics().getAccuracy());
            long before = worker.consumer().duplicates();
            publisher.publish(Topics.EVALUATION_EVENTS, envelope(baselineEvalId, evaluationCompleted(id, name, "baseline",
                    baseline.getName(), metrics(0.11)), "evaluations/" + id + "-baseline", name));
            await("the redelivered EvaluationCompleted counted as a duplicate", () -> worker.consumer().duplicates() > before);
            publisher.publish(Topics.EVALUATION_EVENTS, envelope(evaluationCompleted(id, name, "pruned", prunedName,
                    metrics(0.42, prunedFlops)), "evaluations/" + id + "-pruned", name));
            double acc = 0.85;
            Map<String, Double> candidateAccuracy = new LinkedHashMap<>();
            for (PruneJob.Candidate cand : evaluating.getCandidatesList()) {
                candidateAccuracy.put(cand.getLabel(), acc);
                publisher.publish(Topics.EVALUATION_EVENTS, envelope(evaluationCompleted(id, name, cand.getLabel(),
                        cand.getModelVersion(), metrics(acc)), "evaluations/" + id + "-" + cand.getLabel(), name));
                acc += 0.01;
            }

            PruneJob done = awaitState(c, name, State.SUCCEEDED);
            assertEquals(0.91, done.getBaselineMetrics().getAccuracy(), "the redelivery was ignored");
            assertEquals(0.42, done.getPrunedMetrics().getAccuracy());
            assertEquals(ModelStats.of(LENET).flops(), done.getBaselineMetrics().getFlops());
            for (PruneJob.Candidate cand : done.getCandidatesList()) {
                assertEquals(candidateAccuracy.get(cand.getLabel()), cand.getMetrics().getAccuracy(), cand.getLabel());
            }
            assertTrue(done.hasEndTime());
            assertEquals(String.format(Locale.ROOT, "done: baseline 91.00%%, fine-tune 85.00%%, scratch-e 86.00%%, "
                    + "scratch-b 87.00%% at %.2fx fewer FLOPs", flopsRatio), done.getStateMessage());
            assertEquals(5, versionCount(c, model));

            // the watch saw every state in order and the progress report, then ended
            watchEnded.get(30, TimeUnit.SECONDS);
            List<State> states = new ArrayList<>();
            for (PruneJobEvent e : watched) {
                assertEquals(name, e.getPruneJob());
                if (e.hasJob() && (states.isEmpty() || states.get(states.size() - 1) != e.getJob().getState())) {
                    states.add(e.getJob().getState());
                }
            }
            assertEquals(List.of(State.SCORING, State.PRUNING, State.TRAINING, State.EVALUATING, State.SUCCEEDED), states);
            List<PruneJobEvent.TrainingUpdate> updates = watched.stream().filter(PruneJobEvent::hasTrainingProgress)
                    .map(PruneJobEvent::getTrainingProgress).toList();
            assertEquals(1, updates.size(), updates.toString());
            assertEquals(fineTuneRun, updates.get(0).getTrainingRun());
            assertEquals(RetrainMode.FINE_TUNE, updates.get(0).getRetrainMode());
            assertEquals(progress, updates.get(0).getProgress());
            assertEquals(State.SUCCEEDED, watched.get(watched.size() - 1).getJob().getState());

            // and the state changes went out on the pruning topic, in order
            List<PruneJobStateChanged> changes = awaitPayloads(Topics.PRUNING_EVENTS, name, PruneJobStateChanged.parser(),
                    PruneJobStateChanged.getDefaultInstance(), 5, e -> true);
            assertEquals(List.of(State.SCORING, State.PRUNING, State.TRAINING, State.EVALUATING, State.SUCCEEDED),
                    changes.stream().map(PruneJobStateChanged::getState).toList());
            assertEquals(List.of(State.STATE_UNSPECIFIED, State.SCORING, State.PRUNING, State.TRAINING, State.EVALUATING),
                    changes.stream().map(PruneJobStateChanged::getPreviousState).toList());
            for (PruneJobStateChanged ch : changes) {
                assertEquals(baseline.getName(), ch.getModelVersion());
                assertEquals("", ch.getRepruneTrigger());
                assertFalse(ch.getStateMessage().isEmpty());
            }
            assertNotEquals(0, changes.get(4).getOccurredTime().getSeconds());
        }
    }

    /**
     * A job scored by a scoring replica older than the stored plans ({@code scores.json}, no {@code plan.json}): the
     * pruning step plans with the engine itself, keeps the channels the engine's L1 plan keeps, and registers the pruned
     * version once.
     */
    @Test
    void aJobScoredWithoutAStoredPlanIsPlannedByThePruningStep() throws Exception {
        String model = Fixtures.unique("noplan");
        try (Clients c = new Clients(url.getPort(), registry); Network net = Network.create(LENET, 12)) {
            Fixtures.createModel(c, model);
            ModelVersion baseline = Fixtures.registerBaseline(c, store, tmp, model, net, null);
            PrunePlan expected = new L1NormPruning(null, 0.5, Map.of(), Set.of()).plan(net);
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder()
                    .setPruneJob(l1Job(baseline.getName()).addRetrainModes(RetrainMode.FINE_TUNE)).build());
            String id = Fixtures.jobId(job.getName());
            String scoresUri = Fixtures.writeScores(store, tmp, job.getName(), baseline.getName(), expected, false);
            assertTrue(store.exists("jobs/" + id + "/scores/scores.json"));
            assertFalse(store.exists("jobs/" + id + "/scores/" + PrunePlan.FILE));
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(job.getName(), baseline.getName(), scoresUri),
                    job.getName(), job.getName()));

            PruneJob training = awaitState(c, job.getName(), State.TRAINING);
            // registered once: the baseline and this pruned version, from the step's first (and only) start
            assertEquals(2, versionCount(c, model));
            assertEquals("models/" + model + "/versions/2", training.getPrunedVersion());
            assertFalse(store.list("jobs/" + id + "/pruned/1/").isEmpty());
            assertTrue(store.list("jobs/" + id + "/pruned/2/").isEmpty(), "the step ran once");
            ModelVersion pruned = c.registry().getVersion(GetVersionRequest.newBuilder().setName(training.getPrunedVersion()).build());
            assertEquals(job.getName(), pruned.getLineage().getPruneJob());
            assertEquals("l1-norm", pruned.getLineage().getMethod());
            assertEquals(LENET.name() + "-l1-norm", pruned.getArch().getName());
            assertEquals(List.of(16, 32), pruned.getArch().getConvWidthsList());

            // the channels it kept are those the engine's plan keeps, recovered from the registered checkpoint's weights
            Path dir = tmp.resolve("pruned");
            store.getDirectory(pruned.getCheckpoint().getUri().substring(("s3://" + store.bucket() + "/").length()), dir);
            try (Network p = ModelCheckpoint.load(dir).network()) {
                Map<String, int[]> kept = KeptChannels.recover(net, p);
                assertEquals(expected.kept().keySet(), kept.keySet());
                expected.kept().forEach((space, channels) -> assertArrayEquals(channels, kept.get(space), space));
            }
        }
    }

    static ModelMetrics metrics(double accuracy) {
        return metrics(accuracy, ModelStats.of(LENET).flops());
    }

    static ModelMetrics metrics(double accuracy, long flops) {
        return ModelMetrics.newBuilder().setAccuracy(accuracy).setLoss(1 - accuracy).setFlops(flops).setEvaluatedExamples(100).build();
    }

    static EvaluationCompleted evaluationCompleted(String id, String job, String role, String version, ModelMetrics m) {
        return EvaluationCompleted.newBuilder().setEvaluation("evaluations/" + id + "-" + role).setPruneJob(job)
                .setModelVersion(version).setStatus(Evaluation.State.SUCCEEDED).setMetrics(m).setOccurredTime(now()).build();
    }
}
