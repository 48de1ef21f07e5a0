package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.awaitProcessed;
import static dev.sculptor.pruning.Fixtures.awaitState;
import static dev.sculptor.pruning.Fixtures.envelope;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static dev.sculptor.pruning.Fixtures.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CancelPruneJobRequest;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.pruning.saga.Saga;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Steps that cannot succeed end the job FAILED, saying why, and what arrives afterwards changes nothing. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class PruneJobFailureTest extends PruningTestBase {
    /** A job on a fresh LeNet baseline, scored by the engine and pruned: in TRAINING. */
    PruneJob training(Clients c, String model, RetrainMode... modes) throws Exception {
        Fixtures.createModel(c, model);
        try (Network net = Network.create(Fixtures.LENET, 51)) {
            ModelVersion v1 = Fixtures.registerBaseline(c, store, tmp, model, net, null);
            PrunePlan plan = new L1NormPruning(null, 0.5, Map.of(), Set.of()).plan(net);
            PruneJob.Builder spec = l1Job(v1.getName());
            for (RetrainMode m : modes) {
                spec.addRetrainModes(m);
            }
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(spec).build());
            String uri = Fixtures.writeScores(store, tmp, job.getName(), v1.getName(), plan);
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(job.getName(), v1.getName(), uri), job.getName(),
                    job.getName()));
            return awaitState(c, job.getName(), State.TRAINING);
        }
    }

    static EventEnvelope completed(PruneJob job, String label, TrainingRun.State status, String reason, String checkpoint) {
        String run = "trainingRuns/" + Fixtures.jobId(job.getName()) + "-" + label;
        TrainingCompleted.Builder b = TrainingCompleted.newBuilder().setTrainingRun(run).setPruneJob(job.getName()).setStatus(status)
                .setFailureReason(reason).setOccurredTime(now());
        if (checkpoint != null) {
            b.setOutputCheckpoint(CheckpointRef.newBuilder().setUri(checkpoint));
        }
        return envelope(b.build(), run, job.getName());
    }

    /** The version once it carries {@code tag}; tagging follows the job's end, after its commit. */
    static ModelVersion awaitTag(Clients c, String version, String tag) {
        ModelVersion[] v = new ModelVersion[1];
        Fixtures.await(version + " tagged " + tag, () -> {
            v[0] = c.registry().getVersion(GetVersionRequest.newBuilder().setName(version).build());
            return v[0].getTagsList().contains(tag);
        });
        return v[0];
    }

    @Test
    void aJobCancelledAfterPruningTagsItsVersion() throws Exception {
        String model = Fixtures.unique("fail");
        try (Clients c = new Clients(url.getPort(), registry)) {
            PruneJob job = training(c, model, RetrainMode.FINE_TUNE);
            PruneJob cancelled = c.pruning("write-token").cancelPruneJob(CancelPruneJobRequest.newBuilder().setName(job.getName()).build());
            assertEquals(State.CANCELLED, cancelled.getState());
            ModelVersion pruned = awaitTag(c, job.getPrunedVersion(), Saga.CANCELLED_TAG);
            assertFalse(pruned.getTagsList().contains(Saga.FAILED_TAG));
            // the baseline is not the job's: untouched
            assertEquals(List.of("baseline"), c.registry().getVersion(GetVersionRequest.newBuilder().setName(job.getModelVersion())
                    .build()).getTagsList());
        }
    }

    @Test
    void missingScoresFailThePruningStep() throws Exception {
        String model = Fixtures.unique("fail");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 52).getName();
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1)).build());
            String empty = store.uri("jobs/" + Fixtures.jobId(job.getName()) + "/nothing-here/");
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(job.getName(), v1, empty), job.getName(),
                    job.getName()));
            PruneJob failed = awaitState(c, job.getName(), State.FAILED);
            assertTrue(failed.getStateMessage().startsWith("pruning failed: "), failed.getStateMessage());
            assertTrue(failed.getStateMessage().contains("no scores at " + empty + " (neither scores.json nor plan.json)"),
                    failed.getStateMessage());
            assertEquals("", failed.getPrunedVersion());
            assertEquals(1, Fixtures.versionCount(c, model));

            // scores outside the service's bucket are refused the same way
            PruneJob other = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1)).build());
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(other.getName(), v1,
                    "s3://elsewhere/jobs/x/scores/"), other.getName(), other.getName()));
            PruneJob refused = awaitState(c, other.getName(), State.FAILED);
            assertTrue(refused.getStateMessage().contains("is not in this service's bucket"), refused.getStateMessage());
        }
    }

    @Test
    void aFailedRunFailsTheJobAndALateResultRegistersNothing() throws Exception {
        String model = Fixtures.unique("fail");
        try (Clients c = new Clients(url.getPort(), registry)) {
            PruneJob job = training(c, model, RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_E);
            assertEquals(2, Fixtures.versionCount(c, model));
            publisher.publish(Topics.TRAINING_EVENTS, completed(job, "scratch-e", TrainingRun.State.FAILED, "loss is NaN", null));
            PruneJob failed = awaitState(c, job.getName(), State.FAILED);
            assertEquals("candidate scratch-e: trainingRuns/" + Fixtures.jobId(job.getName()) + "-scratch-e ended FAILED: loss is NaN",
                    failed.getStateMessage());
            // the pruned version it registered no longer looks like a good one
            awaitTag(c, failed.getPrunedVersion(), Saga.FAILED_TAG);

            // the other run still finishes: its model is not registered for an ended job
            String out = "runs/" + Fixtures.jobId(job.getName()) + "-fine-tune/checkpoints/final/";
            Path copy = tmp.resolve("copy");
            store.getDirectory("jobs/" + Fixtures.jobId(job.getName()) + "/pruned/1/", copy); // where the step put the pruned model
            store.putDirectory(copy, out);
            EventEnvelope late = completed(job, "fine-tune", TrainingRun.State.SUCCEEDED, "", store.uri(out));
            publisher.publish(Topics.TRAINING_EVENTS, late);
            awaitProcessed(ds, late.id());
            assertEquals(2, Fixtures.versionCount(c, model));
            PruneJob after = Fixtures.get(c, job.getName());
            assertEquals(State.FAILED, after.getState());
            assertEquals("", after.getCandidates(0).getModelVersion());
        }
    }

    @Test
    void aFailedEvaluationFailsTheJob() throws Exception {
        String model = Fixtures.unique("fail");
        try (Clients c = new Clients(url.getPort(), registry)) {
            PruneJob job = training(c, model, RetrainMode.FINE_TUNE);
            String id = Fixtures.jobId(job.getName());
            // the job asks for evaluations once its candidate is trained
            String out = "runs/" + id + "-fine-tune/checkpoints/final/";
            Path copy = tmp.resolve("copy");
            store.getDirectory("jobs/" + id + "/pruned/1/", copy);
            store.putDirectory(copy, out);
            publisher.publish(Topics.TRAINING_EVENTS, completed(job, "fine-tune", TrainingRun.State.SUCCEEDED, "", store.uri(out)));
            awaitState(c, job.getName(), State.EVALUATING);
            publisher.publish(Topics.EVALUATION_EVENTS, envelope(EvaluationCompleted.newBuilder().setEvaluation("evaluations/" + id
                    + "-pruned").setPruneJob(job.getName()).setModelVersion(job.getPrunedVersion()).setStatus(Evaluation.State.FAILED)
                    .setFailureReason("dataset missing").setOccurredTime(now()).build(), "evaluations/" + id + "-pruned",
                    job.getName()));
            PruneJob failed = awaitState(c, job.getName(), State.FAILED);
            assertEquals("evaluation of pruned (" + job.getPrunedVersion() + ") ended FAILED: dataset missing",
                    failed.getStateMessage());
            // the pruned model and the trained candidate are tagged, once (the job's end is not applied twice)
            awaitTag(c, failed.getPrunedVersion(), Saga.FAILED_TAG);
            ModelVersion candidate = awaitTag(c, failed.getCandidates(0).getModelVersion(), Saga.FAILED_TAG);
            assertEquals(List.of("sculptor-pruned", Saga.FAILED_TAG), candidate.getTagsList());
            assertEquals(3, Fixtures.versionCount(c, model));
        }
    }
}
