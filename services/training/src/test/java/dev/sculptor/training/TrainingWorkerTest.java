package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.ListTrainingRunsRequest;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.WatchTrainingRunRequest;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.service.Plans;
import dev.sculptor.training.service.TrainingRuns;
import dev.sculptor.training.store.TrainingRepository;
import io.agroal.api.AgroalDataSource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training worker and API against real Kafka, S3 (S3Proxy) and PostgreSQL, and the real engine. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
class TrainingWorkerTest {
    static final Duration WAIT = Duration.ofSeconds(90);
    static EventPublisher publisher;

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    @Inject
    TrainingRepository repo;

    @Inject
    AgroalDataSource ds;

    @TempDir
    Path tmp;

    TrainClient client;

    @BeforeAll
    static void producer() {
        publisher = new EventPublisher(KafkaResource.bootstrapServers(), "training-test", Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() {
        publisher.close();
    }

    @BeforeEach
    void connect() {
        client = new TrainClient(url.getPort());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    TrainingGrpc.TrainingBlockingStub read() {
        return client.blocking("read-token");
    }

    TrainingRun get(String run) {
        return read().getTrainingRun(GetTrainingRunRequest.newBuilder().setName("trainingRuns/" + run).build());
    }

    /** A run not recorded yet: what a wait for it may see, unlike any other failure. */
    static boolean notFound(Throwable e) {
        return e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND;
    }

    /** Downloads a stored checkpoint and loads it with the engine (every part's SHA-256 is verified). */
    ModelCheckpoint.Loaded download(String uri, String local) {
        String prefix = uri.substring(("s3://" + store.bucket() + "/").length());
        Path dir = tmp.resolve(local);
        store.getDirectory(prefix, dir);
        return ModelCheckpoint.load(dir);
    }

    @Test
    void aRequestTrainsReportsEveryEpochAndStoresAVerifiedCheckpoint_onceThoughSentThrice() throws Exception {
        String model = unique("m");
        Fixtures.upload(store, tmp, model, 1, Fixtures.TINY, 3);
        String run = unique("ft");
        String job = "pruneJobs/" + model;
        TrainingRequested req = Fixtures.fromVersion(run, "models/" + model + "/versions/1", RetrainMode.FINE_TUNE, 2, 7)
                .setPruneJob(job).build();
        String ceId = UUID.randomUUID().toString();
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(ceId, req));
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(ceId, req));
        // the same run asked for again under a new event id starts nothing new either
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), req));
        // a later request on the same partition (same job key): once it completed, the duplicates were read
        String next = unique("next");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromArch(next, 1, 1).setPruneJob(job).build()));
        Fixtures.awaitCompleted(next, WAIT);

        List<TrainingCompleted> done = Fixtures.completions(run);
        assertEquals(1, done.size(), "exactly one TrainingCompleted");
        TrainingCompleted c = done.get(0);
        assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
        assertEquals(job, c.getPruneJob());
        assertEquals(2, c.getEpochs());
        assertEquals(1, c.getAttempts());
        assertEquals(64, c.getMetrics().getEvaluatedExamples());
        assertTrue(c.getMetrics().getAccuracy() >= 0 && c.getMetrics().getAccuracy() <= 1);
        String prefix = "s3://" + store.bucket() + "/runs/" + run + "/checkpoints/";
        assertEquals(prefix + "final/", c.getOutputCheckpoint().getUri());

        // every event keyed by the job, about the run
        var records = Fixtures.events(run);
        for (var r : records) {
            assertEquals(job, new String(r.key(), StandardCharsets.UTF_8));
        }
        List<TrainingProgress> progress = Fixtures.progress(run);
        assertEquals(List.of(1, 2), progress.stream().map(p -> p.getProgress().getEpoch()).toList(), "one progress event per epoch");
        for (TrainingProgress p : progress) {
            assertTrue(p.getProgress().getEpochFinished());
            assertEquals(2, p.getProgress().getEpochs());
            assertEquals(4, p.getProgress().getSteps()); // 128 images in batches of 32
            // fine-tuning's default constant rate: where the plan's 0.05 ends with the step schedule over LeNet's default 6 epochs
            assertEquals(0.0005, p.getProgress().getLearningRate(), 1e-12);
            assertTrue(p.getProgress().hasTestAccuracy());
        }
        assertEquals("sculptor.v1.TrainingCompleted", Fixtures.header(records.get(records.size() - 1), "ce_type"));

        // a checkpoint after every epoch, and the final model, all verified by the engine
        for (String p : List.of("epoch-1", "epoch-2")) {
            assertTrue(store.list("runs/" + run + "/checkpoints/" + p).contains("optimizer.bin"), p + " keeps the optimizer state");
        }
        ModelCheckpoint.Loaded out = download(c.getOutputCheckpoint().getUri(), "final");
        try (Network net = out.network()) {
            assertEquals(Fixtures.TINY.withName(net.spec().name()), net.spec());
            assertEquals(c.getMetrics().getAccuracy(), out.manifest().metrics().get("accuracy"), 1e-12);
            assertEquals("fine-tune", out.manifest().lineage().method());
            assertEquals("models/" + model + "/versions/1", out.manifest().lineage().parent());
        }
        assertEquals(CheckpointStore.sha256(tmp.resolve("final").resolve("manifest.json")), c.getOutputCheckpoint().getManifestSha256());

        TrainingRun r = get(run);
        assertEquals(TrainingRun.State.SUCCEEDED, r.getState());
        assertEquals(2, r.getCurrentEpoch());
        assertEquals(1, r.getAttempts());
        assertEquals(c.getOutputCheckpoint(), r.getOutputCheckpoint());
        assertEquals(c.getMetrics(), r.getMetrics());
        assertEquals("models/" + model + "/versions/1", r.getModelVersion());
        assertTrue(r.hasStartTime() && r.hasEndTime());
        var list = read().listTrainingRuns(ListTrainingRunsRequest.newBuilder()
                .setFilter("prune_job = \"" + job + "\" AND state = SUCCEEDED").build());
        assertEquals(List.of("trainingRuns/" + next, "trainingRuns/" + run),
                list.getTrainingRunsList().stream().map(TrainingRun::getName).toList());
    }

    @Test
    void aCorruptSourceCheckpointEndsFailedNamingTheFile() throws Exception {
        String model = unique("bad");
        Path local = Fixtures.upload(store, tmp, model, 1, Fixtures.TINY, 4);
        // flip bytes of params.bin and store it again (with a digest of its own, so the store reads it back fine)
        Path params = local.resolve("params.bin");
        byte[] b = Files.readAllBytes(params);
        b[b.length - 1] ^= 0x5a;
        b[b.length - 2] ^= 0x5a;
        Files.write(params, b);
        store.putFile(params, "models/" + model + "/versions/1/params.bin");

        String run = unique("corrupt");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromVersion(run, "models/" + model + "/versions/1", RetrainMode.SCRATCH_E, 2, 1).build()));
        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.FAILED, c.getStatus());
        String file = "s3://" + store.bucket() + "/models/" + model + "/versions/1/params.bin";
        assertTrue(c.getFailureReason().contains(file), c.getFailureReason());
        assertTrue(c.getFailureReason().contains("SHA-256 mismatch"), c.getFailureReason());
        assertFalse(c.hasOutputCheckpoint());
        TrainingRun r = get(run);
        assertEquals(TrainingRun.State.FAILED, r.getState());
        assertEquals(c.getFailureReason(), r.getFailureReason());
        assertEquals(1, r.getAttempts(), "a permanent failure is not retried");

        // a missing dataset fails the same way, with the reason
        String noData = unique("nodata");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), Fixtures.fromArch(noData, 1, 1)
                .setDataset(Fixtures.data().toBuilder().setUri("fashion-mnist:s3://" + store.bucket() + "/datasets/nonexistent/fmnist"))
                .build()));
        TrainingCompleted d = Fixtures.awaitCompleted(noData, WAIT);
        assertEquals(TrainingRun.State.FAILED, d.getStatus());
        assertTrue(d.getFailureReason().contains("/datasets/nonexistent/fmnist/ (found no objects)"), d.getFailureReason());
    }

    @Test
    void anInterruptedRunResumesAfterItsLastUploadedEpochWithTheWeightsOfAnUninterruptedRun() throws Exception {
        // the reference: 3 epochs without interruption
        String a = unique("whole");
        TrainingRequested whole = Fixtures.fromArch(a, 3, 11).build();
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), whole));
        TrainingCompleted ca = Fixtures.awaitCompleted(a, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, ca.getStatus(), ca.getFailureReason());

        // the crash: a replica ("gone") trained epoch 1 of the same run, uploaded its checkpoint and was killed
        String b = unique("resumed");
        TrainingRequested req = whole.toBuilder().setTrainingRun("trainingRuns/" + b).build();
        repo.create(b, req.toByteArray(), "", Mapper.modeName(req.getRetrainMode()), "", Plans.epochs(req));
        store.copyPrefix(TrainingRuns.epochPrefix(a, 1), TrainingRuns.epochPrefix(b, 1));
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = 'RUNNING', "
                + "current_epoch = 1, checkpoint_epoch = 1, attempts = 1, owner = 'gone', heartbeat_time = now() - interval '1 hour', "
                + "start_time = now() WHERE id = ?")) {
            ps.setString(1, b);
            assertEquals(1, ps.executeUpdate());
        }
        // its request was never committed, so Kafka delivers it again
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), req));
        TrainingCompleted cb = Fixtures.awaitCompleted(b, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, cb.getStatus(), cb.getFailureReason());
        assertEquals(2, cb.getAttempts());
        assertEquals(List.of(2, 3), Fixtures.progress(b).stream().map(p -> p.getProgress().getEpoch()).toList(),
                "continues at epoch 2");

        // exact resume: the same weights as the uninterrupted run
        ModelCheckpoint.Loaded la = download(ca.getOutputCheckpoint().getUri(), "a");
        ModelCheckpoint.Loaded lb = download(cb.getOutputCheckpoint().getUri(), "b");
        try (Network na = la.network(); Network nb = lb.network()) {
            List<Tensor> ta = na.exportTensors();
            List<Tensor> tb = nb.exportTensors();
            assertEquals(ta.size(), tb.size());
            for (int i = 0; i < ta.size(); i++) {
                assertEquals(ta.get(i).name(), tb.get(i).name());
                assertArrayEquals(ta.get(i).data(), tb.get(i).data(), 0f, ta.get(i).name());
            }
        }
        assertEquals(la.manifest().parts().get(CheckpointDir.PARAMS), lb.manifest().parts().get(CheckpointDir.PARAMS));
        assertEquals(ca.getMetrics(), cb.getMetrics());
    }

    @Test
    void cancelStopsARunningRunAndWatchFollowsItToTheEnd() throws Exception {
        String run = unique("long");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), Fixtures.fromArch(run, 500, 2).build()));
        await("the run started").atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptionsMatching(TrainingWorkerTest::notFound)
                .until(() -> get(run), r -> r.getState() == TrainingRun.State.RUNNING && r.getCurrentEpoch() >= 2);
        // a run requested behind it is recorded QUEUED at once, and can be cancelled before a worker takes it
        String queued = unique("queued");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), Fixtures.fromArch(queued, 1, 2).build()));
        TrainingRun q = await("the queued run recorded").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(TrainingWorkerTest::notFound).until(() -> get(queued), java.util.Objects::nonNull);
        assertEquals(TrainingRun.State.QUEUED, q.getState());
        assertEquals(1, q.getEpochs());
        assertEquals(0, q.getAttempts());
        TrainingRun qc = client.blocking("write-token").cancelTrainingRun(CancelTrainingRunRequest.newBuilder()
                .setName("trainingRuns/" + queued).build());
        assertEquals(TrainingRun.State.CANCELLED, qc.getState(), "a queued run is cancelled at once");

        List<TrainingRun> streamed = new CopyOnWriteArrayList<>();
        CompletableFuture<List<TrainingRun>> watched = CompletableFuture.supplyAsync(() -> {
            Iterator<TrainingRun> it = read().watchTrainingRun(WatchTrainingRunRequest.newBuilder().setName("trainingRuns/" + run).build());
            it.forEachRemaining(streamed::add);
            return streamed;
        });
        // the watch is open once its first snapshot arrived: the cancel below is a change it must see
        await("the watch's first snapshot").atMost(Duration.ofSeconds(30)).until(() -> !streamed.isEmpty());

        StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> read().cancelTrainingRun(
                CancelTrainingRunRequest.newBuilder().setName("trainingRuns/" + run).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        TrainingRun asked = client.blocking("write-token").cancelTrainingRun(CancelTrainingRunRequest.newBuilder()
                .setName("trainingRuns/" + run).build());
        assertEquals("trainingRuns/" + run, asked.getName());

        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.CANCELLED, c.getStatus());
        TrainingRun r = get(run);
        assertEquals(TrainingRun.State.CANCELLED, r.getState());
        assertTrue(r.getCurrentEpoch() < 500, "stopped early, at epoch " + r.getCurrentEpoch());

        List<TrainingRun> seen = watched.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(seen.size() >= 2, "a first snapshot and then the changes: " + seen.size());
        assertEquals(TrainingRun.State.RUNNING, seen.get(0).getState());
        assertEquals(TrainingRun.State.CANCELLED, seen.get(seen.size() - 1).getState(), "the stream ends at the terminal state");
        assertTrue(seen.stream().anyMatch(s -> s.hasProgress()));

        // the worker later takes the queued run's request and leaves the cancelled run alone
        await("the cancelled queued run left alone").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    TrainingRun now = get(queued);
                    assertEquals(TrainingRun.State.CANCELLED, now.getState());
                    assertEquals(0, now.getAttempts());
                    List<TrainingCompleted> ends = Fixtures.completions(queued);
                    assertEquals(1, ends.size());
                    assertEquals(TrainingRun.State.CANCELLED, ends.get(0).getStatus());
                });

        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> client.blocking("write-token")
                .cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName("trainingRuns/" + run).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
    }

    @Test
    void callsWithoutATokenAreUnauthenticatedAndUnknownRunsNotFound() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(null)
                .getTrainingRun(GetTrainingRunRequest.newBuilder().setName("trainingRuns/x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(null)
                .listTrainingRuns(ListTrainingRunsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking("wrong-token")
                .cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName("trainingRuns/x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> get(unique("ghost")));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> read().getTrainingRun(GetTrainingRunRequest.newBuilder()
                .setName("runs/x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> read().listTrainingRuns(ListTrainingRunsRequest.newBuilder()
                .setFilter("state = DONE").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    /** Saves a network as a version, with the lineage a pruning gives it. */
    void save(Network net, String model, int n, String method) {
        Path dir = tmp.resolve(model + "-v" + n);
        var lineage = method == null ? null : new dev.sculptor.engine.checkpoint.Manifest.Lineage("models/" + model + "/versions/1",
                method, new com.google.gson.JsonObject());
        ModelCheckpoint.save(dir, net, new ModelCheckpoint.Info(lineage, java.util.Map.of()), null, null);
        store.putDirectory(dir, "models/" + model + "/versions/" + n);
    }

    @Test
    void scratchModesReinitialiseKeepingMasksAndLotteryTicketRewindsToItsInitCheckpoint() throws Exception {
        String model = unique("modes");
        dev.sculptor.engine.arch.ArchSpec prunedSpec;
        try (Network original = Network.create(Fixtures.TINY, 3); Network init = Network.create(Fixtures.TINY, 99)) {
            save(original, model, 1, null);                 // the trained baseline
            save(init, model, 9, null);                     // its initial weights
            try (Network structured = new dev.sculptor.engine.prune.L1NormPruning(null, 0.5, java.util.Map.of(), java.util.Set.of())
                    .prune(original).network()) {
                prunedSpec = structured.spec();
                save(structured, model, 2, "l1-norm");      // a narrower architecture
            }
            try (Network masked = new dev.sculptor.engine.prune.WeightLevelPruning(0.5, false).prune(original).network()) {
                save(masked, model, 3, "weight");           // the same architecture with masks
            }
        }
        assertFalse(prunedSpec.equals(Fixtures.TINY.withName(prunedSpec.name())), "the pruning removed channels");
        String init = "s3://" + store.bucket() + "/models/" + model + "/versions/9/";

        String scratch = unique("scratch-e");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromVersion(scratch, "models/" + model + "/versions/3", RetrainMode.SCRATCH_E, 1, 5).build()));
        String noInit = unique("lt-noinit");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromVersion(noInit, "models/" + model + "/versions/2", RetrainMode.LOTTERY_TICKET, 1, 5).build()));
        String lt = unique("lt");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromVersion(lt, "models/" + model + "/versions/2", RetrainMode.LOTTERY_TICKET, 1, 5).setInitCheckpoint(
                        dev.sculptor.api.v1.CheckpointRef.newBuilder().setUri(init)).build()));
        String ltWeights = unique("lt-weights");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromVersion(ltWeights, "models/" + model + "/versions/3", RetrainMode.LOTTERY_TICKET, 1, 5).setInitCheckpoint(
                        dev.sculptor.api.v1.CheckpointRef.newBuilder().setUri(init).setManifestSha256("0".repeat(64))).build()));

        TrainingCompleted s = Fixtures.awaitCompleted(scratch, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, s.getStatus(), s.getFailureReason());
        ModelCheckpoint.Loaded ls = download(s.getOutputCheckpoint().getUri(), "scratch");
        try (Network net = ls.network()) {
            assertEquals(Fixtures.TINY.withName(net.spec().name()), net.spec(), "the same architecture");
            assertFalse(net.masks().isEmpty(), "the masks are kept");
            for (String t : net.masks().keySet()) {
                assertTrue(net.nonZero(t) <= net.masks().get(t).sum().getFloat(), t + " stays masked");
            }
        }
        assertEquals("scratch-e", ls.manifest().lineage().method());
        assertTrue(s.getMetrics().getParams() < dev.sculptor.engine.metrics.ModelStats.of(Fixtures.TINY).params(),
                "only non-zero weights count");

        TrainingCompleted n = Fixtures.awaitCompleted(noInit, WAIT);
        assertEquals(TrainingRun.State.FAILED, n.getStatus());
        assertTrue(n.getFailureReason().startsWith("init_checkpoint: "), n.getFailureReason());

        TrainingCompleted l = Fixtures.awaitCompleted(lt, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, l.getStatus(), l.getFailureReason());
        ModelCheckpoint.Loaded ll = download(l.getOutputCheckpoint().getUri(), "lt");
        assertEquals("lottery-ticket", ll.manifest().lineage().method());
        try (Network net = ll.network()) {
            assertEquals(prunedSpec.withName(net.spec().name()), net.spec(), "the pruned architecture");
        }

        TrainingCompleted w = Fixtures.awaitCompleted(ltWeights, WAIT);
        assertEquals(TrainingRun.State.FAILED, w.getStatus());
        assertTrue(w.getFailureReason().contains("init_checkpoint.manifest_sha256"), w.getFailureReason());
    }

    @Test
    void aRunThatKeepsStoppingEndsFailedAfterBoundedAttempts() throws Exception {
        String run = unique("doomed");
        TrainingRequested req = Fixtures.fromArch(run, 2, 1).build();
        repo.create(run, req.toByteArray(), "", Mapper.modeName(req.getRetrainMode()), "", Plans.epochs(req));
        // three attempts already started and stopped (the worker was killed, or the store was down each time)
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = 'RUNNING', "
                + "attempts = 3, owner = 'gone', heartbeat_time = now() - interval '1 hour', last_error = 'object store down' "
                + "WHERE id = ?")) {
            ps.setString(1, run);
            assertEquals(1, ps.executeUpdate());
        }
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), req));
        TrainingCompleted c = Fixtures.awaitCompleted(run, WAIT);
        assertEquals(TrainingRun.State.FAILED, c.getStatus());
        assertEquals("gave up after 3 attempts; last error: object store down", c.getFailureReason());
        assertEquals(4, c.getAttempts());
        assertTrue(Fixtures.progress(run).isEmpty(), "it did not train again");
    }

    @Test
    void poisonGoesToTheDeadLetterTopicAndTheNextRequestIsStillServed() throws Exception {
        String tag = unique("poison");
        publisher.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.TRAINING_REQUESTS, tag,
                "not protobuf".getBytes(StandardCharsets.UTF_8)));
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(),
                Fixtures.fromArch("bad/name", 1, 1).build()));
        String next = unique("after-poison");
        publisher.publish(Topics.TRAINING_REQUESTS, Fixtures.envelope(UUID.randomUUID().toString(), Fixtures.fromArch(next, 1, 1).build()));
        assertEquals(TrainingRun.State.SUCCEEDED, Fixtures.awaitCompleted(next, WAIT).getStatus());
        List<String> reasons = new ArrayList<>();
        for (var r : dev.sculptor.testing.EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), Topics.dlq(Topics.TRAINING_REQUESTS))) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            if (key.equals(tag) || key.equals("trainingRuns/bad/name")) {
                reasons.add(Fixtures.header(r, "dlq-reason"));
            }
        }
        // exactly once each: the queue recorder's group reads them too, but leaves dead letters to the worker's
        assertEquals(2, reasons.size(), reasons.toString());
        assertTrue(reasons.contains("missing CloudEvents header ce_id"), reasons.toString());
        assertTrue(reasons.stream().anyMatch(x -> x.startsWith("training_run: 'trainingRuns/bad/name' is not a resource name")),
                reasons.toString());
    }
}
