package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** CreateTrainingRun against real Kafka, S3 (S3Proxy) and PostgreSQL: the created run is trained by the worker. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
class CreateTrainingRunTest {
    static final Duration WAIT = Duration.ofSeconds(90);

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    TrainClient client;

    @BeforeEach
    void connect() {
        client = new TrainClient(url.getPort());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    TrainingGrpc.TrainingBlockingStub write() {
        return client.blocking("write-token");
    }

    TrainingRun get(String name) {
        return client.blocking("read-token").getTrainingRun(GetTrainingRunRequest.newBuilder().setName(name).build());
    }

    /** A small LeNet (5x5 convs, flattened classifier) for Fashion-MNIST. */
    static dev.sculptor.api.v1.ArchSpec lenet() {
        return dev.sculptor.api.v1.ArchSpec.newBuilder().setFamily("lenet").setName("lenet-small").addAllInputShape(List.of(1, 28, 28))
                .setNumClasses(10).addAllConvWidths(List.of(6, 16)).addAllPoolAfter(List.of(0, 1)).addHidden(32).build();
    }

    /** A one-epoch baseline run of {@link #lenet()} on 128 training and 64 test images. */
    static TrainingRun.Builder lenetRun() {
        return TrainingRun.newBuilder().setArch(lenet()).setDataset(Fixtures.data()).setPlan(Fixtures.plan(5)).setEpochs(1);
    }

    static Status status(Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus();
    }

    /** The TrainingRequested records on the requests topic about a run. */
    static List<ConsumerRecord<byte[], byte[]>> requests(String name) {
        return EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), Topics.TRAINING_REQUESTS).stream()
                .filter(r -> name.equals(Fixtures.header(r, "ce_subject"))).toList();
    }

    @Test
    void aCreatedRunIsQueuedAndTrainedByTheWorkerLikeARequestedOne() throws Exception {
        String id = "lenet-" + UUID.randomUUID().toString().substring(0, 8);
        String name = "trainingRuns/" + id;
        TrainingRun created = write().createTrainingRun(CreateTrainingRunRequest.newBuilder()
                // output-only fields are ignored
                .setTrainingRun(lenetRun().setState(TrainingRun.State.SUCCEEDED).setPruneJob("pruneJobs/other").setAttempts(7))
                .setTrainingRunId(id).build());
        assertEquals(name, created.getName());
        assertEquals(TrainingRun.State.QUEUED, created.getState());
        assertEquals(lenet(), created.getArch());
        assertEquals(1, created.getEpochs());
        assertEquals(0, created.getAttempts());
        assertEquals("", created.getPruneJob());

        TrainingCompleted c = Fixtures.awaitCompleted(id, WAIT);
        assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
        assertEquals(1, c.getAttempts(), "the worker trained the queued run as its own, once");
        assertEquals(1, c.getEpochs());
        assertEquals("s3://" + store.bucket() + "/runs/" + id + "/checkpoints/final/", c.getOutputCheckpoint().getUri());
        String prefix = c.getOutputCheckpoint().getUri().substring(("s3://" + store.bucket() + "/").length());
        store.getDirectory(prefix, tmp.resolve("final"));
        ModelCheckpoint.Loaded out = ModelCheckpoint.load(tmp.resolve("final"));
        try (Network net = out.network()) {
            assertEquals("lenet", net.spec().family());
            assertEquals(List.of(6, 16), net.spec().convWidths());
            assertEquals("train", out.manifest().lineage().method());
            assertNull(out.manifest().lineage().parent());
            assertEquals(c.getMetrics().getAccuracy(), out.manifest().metrics().get("accuracy"), 1e-12);
        }
        assertEquals(64, c.getMetrics().getEvaluatedExamples());

        TrainingRun r = get(name);
        assertEquals(TrainingRun.State.SUCCEEDED, r.getState());
        assertEquals(c.getOutputCheckpoint(), r.getOutputCheckpoint());
        assertEquals(created.getCreateTime(), r.getCreateTime());

        // what the workers got is what a prune job sends, keyed by the run (no job asked)
        List<ConsumerRecord<byte[], byte[]>> sent = requests(name);
        assertEquals(1, sent.size());
        assertEquals("sculptor.v1.TrainingRequested", Fixtures.header(sent.get(0), "ce_type"));
        assertEquals(name, new String(sent.get(0).key(), StandardCharsets.UTF_8));
        TrainingRequested req = TrainingRequested.parseFrom(sent.get(0).value());
        assertEquals(name, req.getTrainingRun());
        assertEquals("", req.getPruneJob());
        assertEquals(lenet(), req.getArch());
        assertEquals(Fixtures.data(), req.getDataset());
        assertEquals(1, req.getEpochs());
        assertTrue(req.hasOccurredTime());
    }

    @Test
    void aRetryWithTheSameRequestIdReturnsTheFirstRun() throws Exception {
        // long enough that the cancel below comes while it is queued or running
        CreateTrainingRunRequest call = CreateTrainingRunRequest.newBuilder().setTrainingRun(lenetRun().setEpochs(50))
                .setRequestId(UUID.randomUUID().toString()).build();
        TrainingRun first = write().createTrainingRun(call);
        assertTrue(first.getName().matches("trainingRuns/run-[0-9a-f-]{36}"), first.getName());
        TrainingRun again = write().createTrainingRun(call);
        assertEquals(first.getName(), again.getName());
        assertEquals(first.getCreateTime(), again.getCreateTime());
        // AIP-155: the same request id with another body is refused, naming what differs
        Status renamed = status(() -> write().createTrainingRun(call.toBuilder().setTrainingRunId("another-name").build()));
        assertEquals(Status.Code.ALREADY_EXISTS, renamed.getCode());
        assertEquals("request_id '" + call.getRequestId() + "' was used for a different request (training_run_id differs); use a new "
                + "request_id for a new request", renamed.getDescription());
        Status longer = status(() -> write().createTrainingRun(call.toBuilder().setTrainingRun(lenetRun().setEpochs(51)
                .setDataset(Fixtures.data().toBuilder().setTestSubset(65))).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, longer.getCode());
        assertTrue(longer.getDescription().contains("(training_run.dataset.test_subset, training_run.epochs differ)"),
                longer.getDescription());
        assertEquals(first.getCreateTime(), write().createTrainingRun(call).getCreateTime(), "the same body still gets the first run");

        // a new request for a taken id
        String taken = first.getName().substring("trainingRuns/".length());
        Status exists = status(() -> write().createTrainingRun(CreateTrainingRunRequest.newBuilder().setTrainingRun(lenetRun())
                .setTrainingRunId(taken).setRequestId(UUID.randomUUID().toString()).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, exists.getCode());
        assertEquals(first.getName() + " already exists", exists.getDescription());
        assertEquals(Status.Code.NOT_FOUND, status(() -> get("trainingRuns/another-name")).getCode());

        // one run, one request: cancelling it ends it (at once while queued) and the worker skips its request
        write().cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName(first.getName()).build());
        assertEquals(TrainingRun.State.CANCELLED, Fixtures.awaitCompleted(taken, WAIT).getStatus());
        await("one TrainingRequested for " + first.getName()).atMost(WAIT).during(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(200)).until(() -> requests(first.getName()).size() == 1);
    }

    @Test
    void requestsTheWorkerWouldRefuseAreInvalidArgumentsNamingTheField() {
        String id = "bad-" + UUID.randomUUID().toString().substring(0, 8);
        CreateTrainingRunRequest.Builder ok = CreateTrainingRunRequest.newBuilder().setTrainingRun(lenetRun()).setTrainingRunId(id);

        for (String bad : List.of("Upper", "9lives", "under_score", "trainingRuns/x", "a" + "b".repeat(63))) {
            Status s = status(() -> write().createTrainingRun(ok.clone().setTrainingRunId(bad).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), bad);
            assertTrue(s.getDescription().startsWith("training_run_id: '" + bad + "'"), s.getDescription());
        }
        Status noData = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearDataset()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noData.getCode());
        assertTrue(noData.getDescription().startsWith("training_run.dataset.uri: is required"), noData.getDescription());
        Status noSource = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearArch()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noSource.getCode());
        assertTrue(noSource.getDescription().startsWith("training_run.source: "), noSource.getDescription());
        Status noEpochs = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearEpochs()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noEpochs.getCode());
        assertTrue(noEpochs.getDescription().startsWith("training_run.epochs: "), noEpochs.getDescription());
        Status negative = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().setEpochs(-1)).build()));
        assertEquals("training_run.epochs: must be >= 0 (0: the plan's), got -1", negative.getDescription());
        Status badArch = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun()
                .setArch(lenet().toBuilder().setNumClasses(1))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badArch.getCode());
        assertTrue(badArch.getDescription().startsWith("training_run.arch: numClasses"), badArch.getDescription());
        Status badPlan = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun()
                .setPlan(Fixtures.plan(1).toBuilder().setBatchSize(-1))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badPlan.getCode());
        assertTrue(badPlan.getDescription().startsWith("training_run.plan.batch_size: "), badPlan.getDescription());
        // bounded plans
        Status epochs = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().setEpochs(100000)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, epochs.getCode());
        assertEquals("training_run.epochs: must be at most 1600 (this service's maximum), got 100000", epochs.getDescription());
        Status planEpochs = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearEpochs()
                .setPlan(Fixtures.plan(1).toBuilder().setEpochs(100000))).build()));
        assertEquals("training_run.plan.epochs: must be at most 1600 (this service's maximum), got 100000", planEpochs.getDescription());
        Status batch = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun()
                .setPlan(Fixtures.plan(1).toBuilder().setBatchSize(1 << 20))).build()));
        assertEquals("training_run.plan.batch_size: must be at most 4096 (this service's maximum), got 1048576", batch.getDescription());
        // datasets: only what the operator allows (file: is not enabled here), and only when the files are there
        for (String bad : List.of("file:/etc/passwd", "fashion-mnist:file:/usr/share/datasets/fashion-mnist",
                "http://169.254.169.254/latest/meta-data/", "cifar10:s3://another-bucket/datasets/c",
                "cifar10:s3://" + store.bucket() + "/runs/x/")) {
            Status s = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun()
                    .setDataset(Fixtures.data().toBuilder().setUri(bad))).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), bad);
            assertTrue(s.getDescription().startsWith("dataset '" + bad + "': ") && s.getDescription().contains("allowed: fashion-mnist, "
                    + "cifar10, {cifar10|fashion-mnist}:s3://" + store.bucket() + "/datasets/..."), s.getDescription());
        }
        String absent = "fashion-mnist:s3://" + store.bucket() + "/datasets/absent-" + id;
        Status noFiles = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun()
                .setDataset(Fixtures.data().toBuilder().setUri(absent))).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, noFiles.getCode());
        assertTrue(noFiles.getDescription().startsWith("dataset '" + absent + "': no train-images-idx3-ubyte[.gz], "),
                noFiles.getDescription());
        // without a registry (sculptor.registry.grpc) versions are named by number, and must be in the store
        Status alias = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearArch()
                .setModelVersion("models/m/versions/production").setRetrainMode(RetrainMode.FINE_TUNE)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, alias.getCode());
        assertTrue(alias.getDescription().startsWith("training_run.model_version: ")
                && alias.getDescription().contains("sculptor.registry.grpc"), alias.getDescription());
        Status missing = status(() -> write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearArch()
                .setModelVersion("models/nothing-here/versions/1")).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getCode());
        assertEquals("models/nothing-here/versions/1 not found", missing.getDescription());
        assertEquals(Status.Code.NOT_FOUND, status(() -> get("trainingRuns/" + id)).getCode());

        // a stored numbered version is accepted; the run is cancelled before it takes the worker's time
        String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
        Fixtures.upload(store, tmp, model, 1, Fixtures.TINY, 3);
        TrainingRun ft = write().createTrainingRun(ok.clone().setTrainingRun(lenetRun().clearArch()
                .setModelVersion("models/" + model + "/versions/1").setRetrainMode(RetrainMode.FINE_TUNE)).build());
        assertEquals("models/" + model + "/versions/1", ft.getModelVersion());
        assertEquals(RetrainMode.FINE_TUNE, ft.getRetrainMode());
        write().cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName(ft.getName()).build());
    }

    @Test
    void creatingNeedsTheWriteRole() {
        String id = "denied-" + UUID.randomUUID().toString().substring(0, 8);
        CreateTrainingRunRequest call = CreateTrainingRunRequest.newBuilder().setTrainingRun(lenetRun()).setTrainingRunId(id).build();
        Status read = status(() -> client.blocking("read-token").createTrainingRun(call));
        assertEquals(Status.Code.PERMISSION_DENIED, read.getCode());
        assertTrue(read.getDescription().contains("needs role write"), read.getDescription());
        assertEquals(Status.Code.UNAUTHENTICATED, status(() -> client.blocking(null).createTrainingRun(call)).getCode());
        assertEquals(Status.Code.NOT_FOUND, status(() -> get("trainingRuns/" + id)).getCode());
    }

    @Test
    void hostileNamesAreInvalidArgumentBeforeAnyQuery() {
        for (String model : List.of("a\u0000b", "caf\u00e9", "x' OR '1'='1", "x".repeat(10_000))) {
            // with a request id, which is looked up only once the names are known good
            Status s = status(() -> write().createTrainingRun(CreateTrainingRunRequest.newBuilder().setTrainingRun(TrainingRun.newBuilder()
                    .setModelVersion("models/" + model + "/versions/1").setDataset(Fixtures.data()).setPlan(Fixtures.plan(5)).setEpochs(1))
                    .setRequestId(UUID.randomUUID().toString()).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
            assertTrue(s.getDescription().startsWith("training_run.model_version: ") && s.getDescription().length() < 300,
                    s.getDescription());
            s = status(() -> get("trainingRuns/" + model));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
            assertTrue(s.getDescription().startsWith("name: ") && s.getDescription().length() < 300, s.getDescription());
        }
    }
}

