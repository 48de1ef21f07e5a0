package dev.sculptor.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CompareVersionsRequest;
import dev.sculptor.api.v1.CompareVersionsResponse;
import dev.sculptor.api.v1.ComparisonRow;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.EvaluateRequest;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.GetEvaluationRequest;
import dev.sculptor.api.v1.ListEvaluationsRequest;
import dev.sculptor.api.v1.ListEvaluationsResponse;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.Datasets;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.platform.store.CheckpointStore;
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
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The EvaluationService over gRPC against real S3 (S3Proxy), PostgreSQL and Kafka, and the real engine. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = EvaluationGrpcTest.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "evaluation"))
class EvaluationGrpcTest {
    static final String TOPICS = "sculptor.evaluation.requests.v1,sculptor.evaluation.events.v1,sculptor.evaluation.requests.v1.dlq";
    static final String READ = "read-token";
    static final int SUBSET = 200;

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    EvalClient client;

    @BeforeEach
    void connect() {
        client = new EvalClient(url.getPort());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    static DatasetRef fashion(int subset) {
        return DatasetRef.newBuilder().setUri("fashion-mnist").setTestSubset(subset).build();
    }

    @Test
    void evaluateMeasuresWhatTheEngineMeasuresAndKeepsTheEvaluation() throws Exception {
        String model = "eval-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 7, null);
        String version = "models/" + model + "/versions/1";

        EvaluateRequest call = EvaluateRequest.newBuilder().setModelVersion(version).setDataset(fashion(SUBSET))
                .setBatchSize(64).setMeasureLatency(true).setRequestId("req-" + model).build();
        Evaluation e = client.blocking(READ).evaluate(call);
        assertEquals(Evaluation.State.SUCCEEDED, e.getState(), e.getStateMessage());
        assertTrue(e.getName().startsWith("evaluations/"), e.getName());
        assertEquals(version, e.getModelVersion());
        assertEquals(SUBSET, e.getMetrics().getEvaluatedExamples());
        assertTrue(e.getMetrics().getAccuracy() >= 0 && e.getMetrics().getAccuracy() <= 1, "accuracy " + e.getMetrics().getAccuracy());

        // the same numbers the engine gives for the same checkpoint and the same seeded subset
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(local);
        try (Network net = loaded.network()) {
            ImageDataset test = new DataSpec(Datasets.FASHION_MNIST, Datasets.defaultDir(Datasets.FASHION_MNIST), 0, SUBSET).test();
            Evaluator.Result expected = Evaluator.evaluate(net, test, 64);
            assertEquals(expected.accuracy(), e.getMetrics().getAccuracy(), 0.0);
            assertEquals(expected.loss(), e.getMetrics().getLoss(), 1e-9);
            ModelStats stats = ModelStats.of(net);
            assertEquals(stats.params(), e.getMetrics().getParams());
            assertEquals(stats.flops(), e.getMetrics().getFlops());
        }
        assertEquals(ModelStats.of(TestCheckpoints.TINY).params(), e.getMetrics().getParams());
        assertEquals(64, e.getMetrics().getLatencyBatchSize());
        assertTrue(e.getMetrics().getLatencyMs() > 0 && e.getMetrics().getImagesPerSecond() > 0);
        assertEquals(64_000.0 / e.getMetrics().getImagesPerSecond(), e.getMetrics().getLatencyMs(), 1e-6);

        // kept: Get, List with a filter, and a retried call with the same request id
        assertEquals(e, client.blocking(READ).getEvaluation(GetEvaluationRequest.newBuilder().setName(e.getName()).build()));
        ListEvaluationsResponse list = client.blocking(READ).listEvaluations(ListEvaluationsRequest.newBuilder()
                .setFilter("model_version = \"" + version + "\" AND state = SUCCEEDED").build());
        assertEquals(1, list.getEvaluationsCount());
        assertEquals(e.getName(), list.getEvaluations(0).getName());
        assertEquals(e, client.blocking(READ).evaluate(call), "the same body gets the first evaluation, not a second one");
        // AIP-155: the same request id with another body is refused, naming what differs, and nothing is measured
        StatusRuntimeException reused = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(call.toBuilder()
                .setDataset(fashion(SUBSET / 2)).setMeasureLatency(false).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, reused.getStatus().getCode());
        assertEquals("request_id 'req-" + model + "' was used for a different request (dataset.test_subset, measure_latency differ); "
                + "use a new request_id for a new request", reused.getStatus().getDescription());
        StatusRuntimeException otherVersion = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(call
                .toBuilder().setModelVersion("models/" + model + "/versions/2").build()));
        assertEquals(Status.Code.ALREADY_EXISTS, otherVersion.getStatus().getCode());
        assertTrue(otherVersion.getStatus().getDescription().contains("(model_version differs)"), otherVersion.getStatus().getDescription());
        assertEquals(1, client.blocking(READ).listEvaluations(ListEvaluationsRequest.newBuilder()
                .setFilter("model_version = \"" + version + "\"").build()).getEvaluationsCount(), "one evaluation per request id");
    }

    @Test
    void compareVersionsAgainstTheBaseline() {
        String model = "cmp-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 1, null);
        TestCheckpoints.upload(store, tmp, model, 2, TestCheckpoints.NARROW, 2, "l1");
        CompareVersionsResponse r = client.blocking(READ).compareVersions(CompareVersionsRequest.newBuilder()
                .addModelVersions("models/" + model + "/versions/1").addModelVersions("models/" + model + "/versions/2")
                .setDataset(fashion(100)).build());
        assertEquals(2, r.getRowsCount());
        ComparisonRow base = r.getRows(0);
        ComparisonRow pruned = r.getRows(1);
        assertEquals("tiny", base.getArchName());
        assertEquals("", base.getMethod());
        assertEquals(0.0, base.getAccuracyDelta());
        assertEquals("tiny-l1", pruned.getArchName());
        assertEquals("l1", pruned.getMethod());
        long p1 = ModelStats.of(TestCheckpoints.TINY).params();
        long p2 = ModelStats.of(TestCheckpoints.NARROW).params();
        long f1 = ModelStats.of(TestCheckpoints.TINY).flops();
        long f2 = ModelStats.of(TestCheckpoints.NARROW).flops();
        assertEquals(p2, pruned.getMetrics().getParams());
        assertEquals(1 - (double) p2 / p1, pruned.getParamsReduction(), 1e-12);
        assertEquals(1 - (double) f2 / f1, pruned.getFlopsReduction(), 1e-12);
        assertEquals(pruned.getMetrics().getAccuracy() - base.getMetrics().getAccuracy(), pruned.getAccuracyDelta(), 1e-12);
        assertEquals(0.0, pruned.getSpeedup(), "latency was not measured");
        assertTrue(pruned.getEvaluation().startsWith("evaluations/"));
    }

    @Test
    void errorsUseCanonicalCodesAndNameTheProblem() throws Exception {
        String model = "err-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 3, null);
        String version = "models/" + model + "/versions/1";

        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion("models/" + model + "/versions/99").setDataset(fashion(10)).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        assertEquals("models/" + model + "/versions/99 not found", missing.getStatus().getDescription());

        StatusRuntimeException noToken = assertThrows(StatusRuntimeException.class, () -> client.blocking(null).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(fashion(10)).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, noToken.getStatus().getCode());

        StatusRuntimeException alias = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion("models/" + model + "/versions/production").setDataset(fashion(10)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, alias.getStatus().getCode());
        assertTrue(alias.getStatus().getDescription().contains("sculptor.registry.grpc"), alias.getStatus().getDescription());

        StatusRuntimeException badUri = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(DatasetRef.newBuilder().setUri("imagenet")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badUri.getStatus().getCode());
        assertTrue(badUri.getStatus().getDescription().startsWith("dataset 'imagenet': unknown dataset"), badUri.getStatus().getDescription());

        StatusRuntimeException otherBucket = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(DatasetRef.newBuilder()
                        .setUri("cifar10:s3://not-ours/cifar")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, otherBucket.getStatus().getCode());
        assertTrue(otherBucket.getStatus().getDescription().contains("is not this service's bucket"), otherBucket.getStatus().getDescription());
        // nothing the server would fetch for a caller, nothing in its bucket outside the datasets' prefix
        for (String bad : List.of("http://169.254.169.254/latest/meta-data/", "cifar10:s3://" + store.bucket() + "/models/m/versions/1")) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                    EvaluateRequest.newBuilder().setModelVersion(version).setDataset(DatasetRef.newBuilder().setUri(bad)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), bad);
            assertTrue(refused.getStatus().getDescription().startsWith("dataset '" + bad + "': ")
                    && refused.getStatus().getDescription().contains("allowed: fashion-mnist, cifar10, "), refused.getStatus().getDescription());
        }
        // a missing prefix is refused before anything is recorded
        String absent = "cifar10:s3://" + store.bucket() + "/datasets/absent-cifar";
        StatusRuntimeException noFiles = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(DatasetRef.newBuilder().setUri(absent)).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, noFiles.getStatus().getCode());
        assertEquals("dataset '" + absent + "': no test_batch.bin under s3://" + store.bucket() + "/datasets/absent-cifar/ (found no "
                + "objects)", noFiles.getStatus().getDescription());

        // CIFAR-10 images for a 28x28 grey-scale model: refused, and the evaluation is kept as FAILED
        Path cifar = Files.createDirectories(tmp.resolve("cifar"));
        byte[] batch = new byte[4 * 3073];
        Files.write(cifar.resolve("test_batch.bin"), batch);
        StatusRuntimeException shape = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(DatasetRef.newBuilder().setUri("file:" + cifar)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, shape.getStatus().getCode());
        assertEquals("dataset: " + version + " takes [1, 28, 28] images but cifar10 has [3, 32, 32]", shape.getStatus().getDescription());
        ListEvaluationsResponse failed = client.blocking(READ).listEvaluations(ListEvaluationsRequest.newBuilder()
                .setFilter("model_version = \"" + version + "\" AND state = FAILED").build());
        assertEquals(1, failed.getEvaluationsCount());
        assertEquals(shape.getStatus().getDescription(), failed.getEvaluations(0).getStateMessage());

        // a checkpoint whose bytes no longer match its manifest
        byte[] params = Files.readAllBytes(local.resolve("params.bin"));
        params[params.length - 1] ^= 1;
        Path corrupt = Files.write(tmp.resolve("params.bin"), params);
        store.putFile(corrupt, "models/" + model + "/versions/1/params.bin");
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(
                EvaluateRequest.newBuilder().setModelVersion(version).setDataset(fashion(10)).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, bad.getStatus().getCode());
        assertTrue(bad.getStatus().getDescription().startsWith("the stored checkpoint is unusable: " + store.uri(
                "models/" + model + "/versions/1/params.bin") + ": SHA-256 mismatch"), bad.getStatus().getDescription());

        StatusRuntimeException unknownEval = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).getEvaluation(
                GetEvaluationRequest.newBuilder().setName("evaluations/nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknownEval.getStatus().getCode());
        StatusRuntimeException badFilter = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).listEvaluations(
                ListEvaluationsRequest.newBuilder().setFilter("accuracy > 0.5").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badFilter.getStatus().getCode());
    }

    @Test
    void listPagesNewestFirst() {
        String model = "page-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 4, null);
        String version = "models/" + model + "/versions/1";
        String[] names = new String[3];
        for (int i = 0; i < 3; i++) {
            names[i] = client.blocking(READ).evaluate(EvaluateRequest.newBuilder().setModelVersion(version).setDataset(fashion(20))
                    .build()).getName();
        }
        String filter = "model_version = \"" + version + "\"";
        ListEvaluationsResponse p1 = client.blocking(READ).listEvaluations(ListEvaluationsRequest.newBuilder().setPageSize(2)
                .setFilter(filter).build());
        assertEquals(names[2], p1.getEvaluations(0).getName());
        assertEquals(names[1], p1.getEvaluations(1).getName());
        assertFalse(p1.getNextPageToken().isEmpty());
        ListEvaluationsResponse p2 = client.blocking(READ).listEvaluations(ListEvaluationsRequest.newBuilder().setPageSize(2)
                .setFilter(filter).setPageToken(p1.getNextPageToken()).build());
        assertEquals(1, p2.getEvaluationsCount());
        assertEquals(names[0], p2.getEvaluations(0).getName());
        assertTrue(p2.getNextPageToken().isEmpty());
        StatusRuntimeException changed = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).listEvaluations(
                ListEvaluationsRequest.newBuilder().setPageSize(2).setPageToken(p1.getNextPageToken()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, changed.getStatus().getCode());
    }

    @Test
    void probesAndMetricsAreOpen() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("evaluation-worker"), health.body());
        // the engine's kernel verdict for this machine: a service that computes is ready only with exact kernels
        assertTrue(health.body().contains("\"numerics\"") && health.body().contains(
                dev.sculptor.engine.numerics.Numerics.decision().chosen().describe()), health.body());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(url + "q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
    }

    @Test
    void hostileNamesAreInvalidArgumentBeforeAnyQuery() {
        for (String model : java.util.List.of("a\u0000b", "caf\u00e9", "x' OR '1'='1", "x".repeat(10_000))) {
            String version = "models/" + model + "/versions/1";
            // with a request id, which is looked up only once the name is known good
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).evaluate(EvaluateRequest
                    .newBuilder().setModelVersion(version).setDataset(fashion(10)).setRequestId(UUID.randomUUID().toString()).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().startsWith("model_version: "), e.getStatus().getDescription());
            assertTrue(e.getStatus().getDescription().length() < 300, e.getStatus().getDescription());
            e = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).compareVersions(CompareVersionsRequest
                    .newBuilder().addModelVersions(version).setDataset(fashion(10)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().startsWith("model_versions[0]: "), e.getStatus().getDescription());
            e = assertThrows(StatusRuntimeException.class, () -> client.blocking(READ).getEvaluation(GetEvaluationRequest.newBuilder()
                    .setName("evaluations/" + model).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().length() < 300, e.getStatus().getDescription());
        }
    }
}

