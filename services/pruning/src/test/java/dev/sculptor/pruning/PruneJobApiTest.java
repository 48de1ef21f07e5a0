package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.awaitPayloads;
import static dev.sculptor.pruning.Fixtures.awaitState;
import static dev.sculptor.pruning.Fixtures.envelope;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static dev.sculptor.pruning.Fixtures.now;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CancelPruneJobRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListPruneJobsResponse;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruneJobStateChanged;
import dev.sculptor.api.v1.PruningGrpc;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.WatchPruneJobRequest;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The Pruning API's contract: validation and status codes, idempotency, aliases, cancel, list and a failed scoring. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class PruneJobApiTest extends PruningTestBase {
    static StatusRuntimeException fails(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    static CreatePruneJobRequest create(PruneJob.Builder job) {
        return CreatePruneJobRequest.newBuilder().setPruneJob(job).build();
    }

    @Test
    void badRequestsAreRefusedWithTheCanonicalCodes() throws Exception {
        String model = Fixtures.unique("api");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 3).getName();
            PruningGrpc.PruningBlockingStub write = c.pruning("write-token");

            StatusRuntimeException noMethod = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job(v1)
                    .clearMethod())));
            assertEquals("prune_job.method: is required", noMethod.getStatus().getDescription());
            StatusRuntimeException lottery = fails(Status.Code.FAILED_PRECONDITION, () -> write.createPruneJob(create(l1Job(v1)
                    .addRetrainModes(RetrainMode.LOTTERY_TICKET))));
            assertTrue(lottery.getStatus().getDescription().contains("LOTTERY_TICKET"), lottery.getStatus().getDescription());
            StatusRuntimeException unknown = fails(Status.Code.NOT_FOUND, () -> write.createPruneJob(create(l1Job("models/" + model
                    + "/versions/99"))));
            assertTrue(unknown.getStatus().getDescription().contains("models/" + model + "/versions/99"),
                    unknown.getStatus().getDescription());
            fails(Status.Code.NOT_FOUND, () -> write.createPruneJob(create(l1Job("models/" + model + "-none/versions/1"))));
            StatusRuntimeException badRatio = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job(v1)
                    .setMethod(l1Job(v1).getMethod().toBuilder().setRatio(1.5)))));
            assertTrue(badRatio.getStatus().getDescription().contains("method.ratio"), badRatio.getStatus().getDescription());
            fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job("not-a-version"))));
            fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(CreatePruneJobRequest.newBuilder()
                    .setPruneJob(l1Job(v1)).setPruneJobId("Bad_Id").build()));
            StatusRuntimeException readOnly = fails(Status.Code.PERMISSION_DENIED, () -> c.pruning("read-token")
                    .createPruneJob(create(l1Job(v1))));
            assertTrue(readOnly.getStatus().getDescription().contains("needs role write"), readOnly.getStatus().getDescription());
            fails(Status.Code.UNAUTHENTICATED, () -> c.pruning("no-such-token").getPruneJob(GetPruneJobRequest.newBuilder()
                    .setName("pruneJobs/x").build()));
            fails(Status.Code.NOT_FOUND, () -> Fixtures.get(c, "pruneJobs/" + Fixtures.unique("none")));
            fails(Status.Code.NOT_FOUND, () -> c.pruning("read-token").watchPruneJob(WatchPruneJobRequest.newBuilder()
                    .setName("pruneJobs/" + Fixtures.unique("none")).build()).hasNext());
            fails(Status.Code.INVALID_ARGUMENT, () -> Fixtures.get(c, "jobs/x"));
            fails(Status.Code.INVALID_ARGUMENT, () -> c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("state = RUNNING").build()));
            StatusRuntimeException engineId = fails(Status.Code.INVALID_ARGUMENT, () -> c.pruning("read-token").listPruneJobs(
                    ListPruneJobsRequest.newBuilder().setFilter("method.method = \"l1-norm\"").build()));
            assertTrue(engineId.getStatus().getDescription().contains("L1_NORM"), engineId.getStatus().getDescription());

            // datasets: only what the operator allows, and only when the files are there
            for (String bad : List.of("file:/etc/passwd", "http://169.254.169.254/latest/meta-data/",
                    "cifar10:s3://another-bucket/datasets/cifar", "cifar10:s3://" + store.bucket() + "/models/" + model + "/versions/1")) {
                StatusRuntimeException refused = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job(v1)
                        .setDataset(DatasetRef.newBuilder().setUri(bad)))));
                assertTrue(refused.getStatus().getDescription().startsWith("dataset '" + bad + "': "), refused.getStatus().getDescription());
                assertTrue(refused.getStatus().getDescription().contains("allowed: fashion-mnist, cifar10, {cifar10|fashion-mnist}:s3://"
                        + store.bucket() + "/datasets/..."), refused.getStatus().getDescription());
            }
            String missing = "cifar10:s3://" + store.bucket() + "/datasets/" + model + "/";
            StatusRuntimeException noFiles = fails(Status.Code.FAILED_PRECONDITION, () -> write.createPruneJob(create(l1Job(v1)
                    .setDataset(DatasetRef.newBuilder().setUri(missing)))));
            assertEquals("dataset '" + missing + "': no data_batch_1.bin..data_batch_5.bin, test_batch.bin under s3://" + store.bucket()
                    + "/datasets/" + model + "/ (found no objects)", noFiles.getStatus().getDescription());
            // plans: bounded by the configured maxima
            StatusRuntimeException epochs = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job(v1)
                    .setPlan(TrainingPlan.newBuilder().setEpochs(100000)))));
            assertEquals("prune_job.plan.epochs: must be at most 1600 (this service's maximum), got 100000",
                    epochs.getStatus().getDescription());
            StatusRuntimeException subset = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job(v1)
                    .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist").setTrainSubset(2_000_000)))));
            assertEquals("prune_job.dataset.train_subset: must be at most 1000000 (this service's maximum), got 2000000",
                    subset.getStatus().getDescription());

            // none of them created anything
            ListPruneJobsResponse none = c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("target_model = \"models/" + model + "\"").build());
            assertEquals(0, none.getPruneJobsCount(), none.toString());
        }
    }

    @Test
    void aRetriedCreateReturnsTheFirstJobAndAnAliasIsResolvedOnce() throws Exception {
        String model = Fixtures.unique("api");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            ModelVersion v1 = Fixtures.registerBaseline(c, store, tmp, model, 4);
            PruningGrpc.PruningBlockingStub write = c.pruning("write-token");

            String requestId = UUID.randomUUID().toString();
            CreatePruneJobRequest r = CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1.getName())).setRequestId(requestId)
                    .build();
            PruneJob first = write.createPruneJob(r);
            PruneJob retried = write.createPruneJob(r);
            assertEquals(first.getName(), retried.getName());
            // AIP-155: the same request id with another body is refused, naming what differs
            CreatePruneJobRequest.Builder other = r.toBuilder();
            other.getPruneJobBuilder().setDisplayName("another").getPlanBuilder().setEpochs(3);
            StatusRuntimeException reused = fails(Status.Code.ALREADY_EXISTS, () -> write.createPruneJob(other.build()));
            assertEquals("request_id '" + requestId + "' was used for a different request (prune_job.plan.epochs, prune_job.display_name "
                    + "differ); use a new request_id for a new request", reused.getStatus().getDescription());
            StatusRuntimeException reusedId = fails(Status.Code.ALREADY_EXISTS, () -> write.createPruneJob(r.toBuilder()
                    .setPruneJobId("another-id").build()));
            assertTrue(reusedId.getStatus().getDescription().contains("(prune_job_id differs)"), reusedId.getStatus().getDescription());
            assertEquals(first.getCreateTime(), write.createPruneJob(r).getCreateTime(), "the same body still gets the first job");
            assertEquals(first.getCreateTime(), retried.getCreateTime());
            assertTrue(first.getName().matches("pruneJobs/j[0-9a-f]{15}"), first.getName());
            assertEquals(List.of(RetrainMode.FINE_TUNE), first.getRetrainModesList(), "the default mode");

            c.registry().setAlias(SetAliasRequest.newBuilder().setName("models/" + model + "/aliases/prod").setVersion(v1.getName())
                    .build());
            PruneJob viaAlias = write.createPruneJob(create(l1Job("models/" + model + "/versions/prod")));
            assertEquals(v1.getName(), viaAlias.getModelVersion(), "the alias is stored resolved");
            assertEquals(v1.getName(), Fixtures.get(c, viaAlias.getName()).getModelVersion());

            ListPruneJobsResponse jobs = c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("model_version = \"" + v1.getName() + "\"").build());
            assertEquals(List.of(viaAlias.getName(), first.getName()), jobs.getPruneJobsList().stream().map(PruneJob::getName).toList(),
                    "one job per request id, newest first");
            // the scoring request names the numbered version too, and the retry asked for nothing more
            assertEquals(v1.getName(), awaitPayloads(Topics.SCORING_REQUESTS, viaAlias.getName(), ScoringRequested.parser(),
                    ScoringRequested.getDefaultInstance(), 1, s -> true).get(0).getModelVersion());
            assertEquals(1, Fixtures.records(Topics.SCORING_REQUESTS, first.getName()).size());
        }
    }

    @Test
    void aCancelledJobEndsItsWatchAndCannotBeCancelledAgain() throws Exception {
        String model = Fixtures.unique("api");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 5).getName();
            PruningGrpc.PruningBlockingStub write = c.pruning("write-token");
            PruneJob other = write.createPruneJob(create(l1Job(v1)));
            PruneJob job = write.createPruneJob(create(l1Job(v1)));
            assertEquals(State.SCORING, job.getState());

            List<PruneJobEvent> watched = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            c.pruningAsync("read-token").watchPruneJob(WatchPruneJobRequest.newBuilder().setName(job.getName()).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(PruneJobEvent e) {
                            watched.add(e);
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            Fixtures.await("the watch's first event", () -> !watched.isEmpty());
            assertEquals(State.SCORING, watched.get(0).getJob().getState());

            PruneJob cancelled = write.cancelPruneJob(CancelPruneJobRequest.newBuilder().setName(job.getName()).build());
            assertEquals(State.CANCELLED, cancelled.getState());
            assertTrue(cancelled.hasEndTime());
            assertEquals("cancelled on request (was SCORING)", cancelled.getStateMessage());
            ended.get(30, TimeUnit.SECONDS);
            assertEquals(State.CANCELLED, watched.get(watched.size() - 1).getJob().getState());

            StatusRuntimeException again = fails(Status.Code.FAILED_PRECONDITION, () -> write.cancelPruneJob(CancelPruneJobRequest
                    .newBuilder().setName(job.getName()).build()));
            assertTrue(again.getStatus().getDescription().contains("already ended CANCELLED"), again.getStatus().getDescription());
            fails(Status.Code.NOT_FOUND, () -> write.cancelPruneJob(CancelPruneJobRequest.newBuilder()
                    .setName("pruneJobs/" + Fixtures.unique("none")).build()));
            fails(Status.Code.PERMISSION_DENIED, () -> c.pruning("read-token").cancelPruneJob(CancelPruneJobRequest.newBuilder()
                    .setName(other.getName()).build()));

            // a late result for the cancelled job changes nothing
            String late = UUID.randomUUID().toString();
            publisher.publish(Topics.SCORING_EVENTS, envelope(late, Fixtures.scoresComputed(job.getName(), v1,
                    store.uri("jobs/" + Fixtures.jobId(job.getName()) + "/scores/")), job.getName(), job.getName()));
            // watching an ended job gives the job once and ends
            List<PruneJobEvent> after = new ArrayList<>();
            c.pruning("read-token").watchPruneJob(WatchPruneJobRequest.newBuilder().setName(job.getName()).build())
                    .forEachRemaining(after::add);
            assertEquals(1, after.size());
            assertEquals(State.CANCELLED, after.get(0).getJob().getState());

            // filter and pages
            List<String> cancelledJobs = c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("state = CANCELLED").setPageSize(1000).build()).getPruneJobsList().stream().map(p -> {
                        assertEquals(State.CANCELLED, p.getState());
                        return p.getName();
                    }).toList();
            assertTrue(cancelledJobs.contains(job.getName()), cancelledJobs.toString());
            assertFalse(cancelledJobs.contains(other.getName()));
            PruneJob third = write.createPruneJob(create(l1Job(v1)));
            // quoted: the platform's filter grammar takes bare words of letters and underscores only
            String filter = "model_version = \"" + v1 + "\" AND method.method = \"L1_NORM\"";
            List<String> paged = new ArrayList<>();
            String token = "";
            int pages = 0;
            do {
                ListPruneJobsResponse page = c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder().setFilter(filter)
                        .setPageSize(1).setPageToken(token).build());
                assertTrue(page.getPruneJobsCount() <= 1);
                page.getPruneJobsList().forEach(p -> paged.add(p.getName()));
                token = page.getNextPageToken();
                pages++;
            } while (!token.isEmpty() && pages < 10);
            assertEquals(List.of(third.getName(), job.getName(), other.getName()), paged, "newest first, one per page");
            assertEquals(3, pages);
            String firstToken = c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder().setFilter(filter)
                    .setPageSize(1).build()).getNextPageToken();
            fails(Status.Code.INVALID_ARGUMENT, () -> c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("state = CANCELLED").setPageSize(1).setPageToken(firstToken).build()));

            Fixtures.awaitProcessed(ds, late);
            assertEquals(State.CANCELLED, Fixtures.get(c, job.getName()).getState());
        }
    }

    @Test
    void aScoringFailureFailsTheJobWithItsReason() throws Exception {
        String model = Fixtures.unique("api");
        try (Clients c = new Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            String v1 = Fixtures.registerBaseline(c, store, tmp, model, 6).getName();
            PruneJob job = c.pruning("write-token").createPruneJob(create(l1Job(v1)));
            publisher.publish(Topics.SCORING_EVENTS, envelope(ScoresComputed.newBuilder().setPruneJob(job.getName()).setModelVersion(v1)
                    .setFailureReason("the scoring worker ran out of memory").setOccurredTime(now()).build(), job.getName(),
                    job.getName()));
            PruneJob failed = awaitState(c, job.getName(), State.FAILED);
            assertEquals("scoring failed: the scoring worker ran out of memory", failed.getStateMessage());
            assertTrue(failed.hasEndTime());
            assertEquals("", failed.getPrunedVersion());
            List<PruneJobStateChanged> changes = awaitPayloads(Topics.PRUNING_EVENTS, job.getName(), PruneJobStateChanged.parser(),
                    PruneJobStateChanged.getDefaultInstance(), 2, e -> true);
            assertEquals(State.FAILED, changes.get(1).getState());
            assertEquals(State.SCORING, changes.get(1).getPreviousState());
            assertEquals(failed.getStateMessage(), changes.get(1).getStateMessage());
            assertEquals(1, Fixtures.versionCount(c, model), "nothing was registered");
        }
    }

    @Test
    void hostileNamesAreInvalidArgumentBeforeAnyQuery() throws Exception {
        try (Clients c = new Clients(url.getPort(), registry)) {
            PruningGrpc.PruningBlockingStub write = c.pruning("write-token");
            for (String id : List.of("a\u0000b", "caf\u00e9", "x' OR '1'='1", "x".repeat(10_000))) {
                // with a request id, which is looked up only once the names are known good
                StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job("models/" + id
                        + "/versions/1")).toBuilder().setRequestId(UUID.randomUUID().toString()).build()));
                String why = e.getStatus().getDescription();
                assertTrue(why.startsWith("prune_job.model_version: ") && why.length() < 300, why);
                e = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job("models/m/versions/1")).toBuilder()
                        .setPruneJobId(id).setRequestId(UUID.randomUUID().toString()).build()));
                assertTrue(e.getStatus().getDescription().startsWith("prune_job_id: "), e.getStatus().getDescription());
                e = fails(Status.Code.INVALID_ARGUMENT, () -> write.createPruneJob(create(l1Job("models/m/versions/1")
                        .setTargetModel("models/" + id)).toBuilder().setRequestId(UUID.randomUUID().toString()).build()));
                assertTrue(e.getStatus().getDescription().startsWith("prune_job.target_model: "), e.getStatus().getDescription());
                e = fails(Status.Code.INVALID_ARGUMENT, () -> c.pruning("read-token").getPruneJob(GetPruneJobRequest.newBuilder()
                        .setName("pruneJobs/" + id).build()));
                assertTrue(e.getStatus().getDescription().length() < 300, e.getStatus().getDescription());
            }
        }
    }
}

