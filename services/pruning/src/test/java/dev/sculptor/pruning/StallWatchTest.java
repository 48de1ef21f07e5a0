package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.awaitState;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.pruning.saga.Saga;
import dev.sculptor.pruning.store.JobRepository;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A job whose scores never come (the scoring service dead-lettered its request) does not wait forever, and a job in
 * PRUNING whose step request was lost asks for it again.
 */
@QuarkusTest
@TestProfile(StallWatchTest.ShortDeadline.class)
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class StallWatchTest extends PruningTestBase {
    @Inject
    JobRepository jobs;

    public static final class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sculptor.pruning.stall-timeout", "PT3S", "sculptor.pruning.stall-check", "PT0.5S",
                    "sculptor.pruning.step.resend-after", "PT3S");
        }
    }

    @Test
    void aJobWithoutScoresFailsAfterTheDeadlineSayingWhy() throws Exception {
        String model = Fixtures.unique("stall");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 61).getName();
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1)).build());
            assertEquals(State.SCORING, job.getState());
            long t0 = System.nanoTime();
            PruneJob failed = awaitState(c, job.getName(), State.FAILED);
            double waited = (System.nanoTime() - t0) / 1e9;
            assertTrue(waited >= 2.0, "failed after " + waited + " s, before the 3 s deadline");
            assertTrue(failed.getStateMessage().startsWith("no ScoresComputed for " + job.getName() + " within PT3S"),
                    failed.getStateMessage());
            assertTrue(failed.getStateMessage().contains("sculptor.scoring.requests.v1.dlq"), failed.getStateMessage());
        }
    }

    @Test
    void aPruningStepWhoseRequestWasLostIsAskedForAgain() throws Exception {
        String model = Fixtures.unique("lost");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 62).getName();
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1)).build());
            String id = Fixtures.jobId(job.getName());
            // PRUNING without a request on its way (as a request dead-lettered, or a job left in PRUNING by an older version)
            jobs.step(id, null, s -> new JobRepository.Change(s.job().toBuilder().setState(State.PRUNING)
                    .setUpdateTime(Saga.ts(Instant.now())).build(), null, null, List.of(), List.of()));
            long t0 = System.nanoTime();
            PruneJob training = awaitState(c, job.getName(), State.TRAINING);
            double waited = (System.nanoTime() - t0) / 1e9;
            assertTrue(waited >= 2.0, "asked again after " + waited + " s, before the 3 s deadline");
            assertEquals("models/" + model + "/versions/2", training.getPrunedVersion(), "pruned once, planned in the step");
            assertEquals(1, jobs.find(id).orElseThrow().stepAttempts());
        }
    }

    @Test
    void aTagTheRegistryDidNotTakeWhenTheJobEndedIsAppliedLater() throws Exception {
        String model = Fixtures.unique("mark");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 63).getName();
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1)).build());
            String id = Fixtures.jobId(job.getName());
            // recorded with the job's end, but the registry call never happened (the registry was down, or the service
            // died right after the commit); a version deleted since is forgotten, not retried forever
            jobs.stepMarking(id, null, s -> new JobRepository.Step(null, Map.of(v1, Saga.FAILED_TAG,
                    "models/" + model + "/versions/9", Saga.FAILED_TAG)));
            assertEquals(2, jobs.pendingMarks(id, null).size());
            PruneJobFailureTest.awaitTag(c, v1, Saga.FAILED_TAG);
            Fixtures.await("the marks of " + id + " applied", () -> jobs.pendingMarks(id, null).isEmpty());
        }
    }
}
