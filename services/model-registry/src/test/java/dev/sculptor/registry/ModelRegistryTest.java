package dev.sculptor.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DeleteVersionRequest;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListModelsRequest;
import dev.sculptor.api.v1.ListModelsResponse;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.UpdateModelRequest;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry over gRPC against real Kafka, S3 (S3Proxy) and PostgreSQL, all embedded. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @io.quarkus.test.common.ResourceArg(name = "database", value = "registry"))
class ModelRegistryTest {
    static final String ADMIN = "admin-token";
    static final String GET_MODEL = "/" + dev.sculptor.api.v1.ModelRegistryGrpc.getGetModelMethod().getFullMethodName();

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    RegistryClient client;

    @BeforeEach
    void connect() {
        client = new RegistryClient(url.getPort());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    Model createModel(String id) {
        return client.blocking(ADMIN).createModel(CreateModelRequest.newBuilder().setModelId(id)
                .setModel(Model.newBuilder().setDisplayName("Model " + id).putLabels("team", "vision")).build());
    }

    static UploadVersionHeader header(String model) {
        return UploadVersionHeader.newBuilder().setParent("models/" + model).setDescription("test upload").addTags("t1").build();
    }

    /** The registry events of a type that match, waiting until at least {@code atLeast} arrived. */
    static <T> List<T> eventsOf(Class<T> type, java.util.function.Predicate<T> which, int atLeast) {
        return await(atLeast + " " + type.getSimpleName() + " events").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).until(() -> eventsNow(type, which), out -> out.size() >= atLeast);
    }

    static <T> List<T> eventsNow(Class<T> type, java.util.function.Predicate<T> which) throws Exception {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), Topics.REGISTRY_EVENTS)) {
            String ceType = new String(r.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8);
            if (ceType.equals("sculptor.v1." + type.getSimpleName())) {
                @SuppressWarnings("unchecked")
                T msg = (T) type.getMethod("parseFrom", byte[].class).invoke(null, (Object) r.value());
                if (which.test(msg)) {
                    out.add(msg);
                }
            }
        }
        return out;
    }

    @Test
    void uploadDownloadAliasLineageAndEvents(@TempDir Path tmp) throws Exception {
        createModel("resnet-a");
        Path ck = TestCheckpoints.write(tmp.resolve("v1"), TestCheckpoints.TINY, 1, TestCheckpoints.lineage("train"));
        ModelVersion v1 = client.upload(ADMIN, header("resnet-a"), ck);
        assertEquals("models/resnet-a/versions/1", v1.getName());
        assertEquals(ModelVersion.State.READY, v1.getState());
        assertEquals("tiny", v1.getArch().getName());
        assertEquals(List.of(4, 6), v1.getArch().getConvWidthsList());
        assertTrue(v1.getMetrics().getFlops() > 0);
        // an uploaded manifest's accuracy is the uploader's claim, not a measurement
        assertTrue(!v1.getMetrics().hasAccuracy());
        assertEquals(0.51, v1.getClaimedMetrics().getAccuracy(), 1e-9);
        assertEquals("s3://" + store.bucket() + "/models/resnet-a/versions/1/", v1.getCheckpoint().getUri());
        assertEquals(CheckpointStore.sha256(ck.resolve("manifest.json")), v1.getCheckpoint().getManifestSha256());

        // the checkpoint reads back byte-identical
        Path back = tmp.resolve("back");
        ModelVersion got = client.download(ADMIN, v1.getName(), back);
        assertEquals(v1.getName(), got.getName());
        for (String f : List.of("manifest.json", "params.bin")) {
            assertArrayEquals(Files.readAllBytes(ck.resolve(f)), Files.readAllBytes(back.resolve(f)), f);
        }

        // a pruned child with lineage, an alias, the lineage walk
        Path ck2 = TestCheckpoints.write(tmp.resolve("v2"), TestCheckpoints.TINY.withConvWidths(List.of(2, 6)), 2, null);
        ModelVersion v2 = client.upload(ADMIN, header("resnet-a").toBuilder().setLineage(Lineage.newBuilder()
                .setParentVersion(v1.getName()).setMethod("l1").setPruneJob("pruneJobs/j1")).build(), ck2);
        assertEquals(2, v2.getVersionNumber());
        client.blocking(ADMIN).setAlias(SetAliasRequest.newBuilder().setName("models/resnet-a/aliases/production")
                .setVersion(v2.getName()).build());
        ModelVersion byAlias = client.blocking("read-token").getVersion(GetVersionRequest.newBuilder()
                .setName("models/resnet-a/versions/production").build());
        assertEquals(v2.getName(), byAlias.getName());
        assertEquals(List.of("production"), byAlias.getAliasesList());
        GetLineageResponse lineage = client.blocking("read-token").getLineage(GetLineageRequest.newBuilder()
                .setName("models/resnet-a/versions/production").build());
        assertEquals(List.of(v2.getName(), v1.getName()), lineage.getVersionsList().stream().map(ModelVersion::getName).toList());
        assertEquals("l1", lineage.getVersions(0).getLineage().getMethod());
        assertEquals("train", lineage.getVersions(1).getLineage().getMethod());

        // deleting the aliased version is refused; the other one can go
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN)
                .deleteVersion(DeleteVersionRequest.newBuilder().setName(v2.getName()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("production"), e.getStatus().getDescription());

        List<VersionRegistered> registered = eventsOf(VersionRegistered.class, x -> x.getModel().equals("models/resnet-a"), 2);
        assertEquals(List.of(v1.getName(), v2.getName()), registered.stream().map(x -> x.getVersion().getName()).toList());
        List<AliasMoved> moved = eventsOf(AliasMoved.class, x -> x.getModel().equals("models/resnet-a"), 1);
        assertEquals(1, moved.size());
        assertEquals(v2.getName(), moved.get(0).getModelVersion());

        Model m = client.blocking("read-token").getModel(GetModelRequest.newBuilder().setName("models/resnet-a").build());
        assertEquals(2, m.getLatestVersionNumber());
        assertEquals(2L, m.getAliasesMap().get("production"));
    }

    @Test
    void corruptOrMisshapenCheckpointsAreRejectedAndLeaveNoTrace(@TempDir Path tmp) throws Exception {
        createModel("corrupt-test");
        Path ck = TestCheckpoints.write(tmp.resolve("c"), TestCheckpoints.TINY, 3, null);
        byte[] params = Files.readAllBytes(ck.resolve("params.bin"));
        params[params.length - 3] ^= 0x55;
        Files.write(ck.resolve("params.bin"), params);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.upload(ADMIN, header("corrupt-test"), ck));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("params.bin: SHA-256 mismatch"), e.getStatus().getDescription());

        // a manifest that lies about the architecture: shapes do not fit
        Path wrong = TestCheckpoints.write(tmp.resolve("w"), TestCheckpoints.TINY, 4, null);
        Path other = TestCheckpoints.write(tmp.resolve("o"), TestCheckpoints.TINY.withConvWidths(List.of(3, 6)), 4, null);
        Files.copy(other.resolve("params.bin"), wrong.resolve("params.bin"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        dev.sculptor.engine.checkpoint.CheckpointDir.write(wrong, dev.sculptor.engine.checkpoint.CheckpointDir.readManifest(wrong),
                java.util.Map.of("params.bin", wrong.resolve("params.bin")));
        e = assertThrows(StatusRuntimeException.class, () -> client.upload(ADMIN, header("corrupt-test"), wrong));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("features.0.conv.weight has shape [3, 1, 3, 3]"),
                e.getStatus().getDescription());

        // nothing half-visible: no version, no number used, no objects, no event
        assertEquals(0, client.blocking(ADMIN).listVersions(ListVersionsRequest.newBuilder().setParent("models/corrupt-test").build())
                .getVersionsCount());
        assertEquals(0, client.blocking(ADMIN).getModel(GetModelRequest.newBuilder().setName("models/corrupt-test").build())
                .getLatestVersionNumber());
        assertTrue(store.list("models/corrupt-test/versions/1").isEmpty());
        ModelVersion ok = client.upload(ADMIN, header("corrupt-test"), TestCheckpoints.write(tmp.resolve("ok"), TestCheckpoints.TINY, 5, null));
        assertEquals(1, ok.getVersionNumber());
        // the outbox publishes in commit order: once version 1's event is out, a rejected upload's would be too
        assertEquals(List.of(1L), eventsOf(VersionRegistered.class, x -> x.getModel().equals("models/corrupt-test"), 1).stream()
                .map(x -> x.getVersion().getVersionNumber()).toList());
    }

    @Test
    void concurrentRegistrationsGetDistinctGapFreeNumbers(@TempDir Path tmp) throws Exception {
        createModel("busy");
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<ModelVersion>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path ck = TestCheckpoints.write(tmp.resolve("p" + i), TestCheckpoints.TINY, 10 + i, null);
                futures.add(pool.submit(() -> client.upload(ADMIN, header("busy"), ck)));
            }
            Set<Long> numbers = new TreeSet<>();
            for (Future<ModelVersion> f : futures) {
                numbers.add(f.get().getVersionNumber());
            }
            assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), numbers);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void createVersionFromAnObjectAlreadyInTheStore(@TempDir Path tmp) throws Exception {
        createModel("from-store");
        Path ck = TestCheckpoints.write(tmp.resolve("s"), TestCheckpoints.TINY, 7, null);
        store.putDirectory(ck, "incoming/run-42/");
        ModelVersion v = client.blocking(ADMIN).createVersion(CreateVersionRequest.newBuilder().setParent("models/from-store")
                .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://" + store.bucket() + "/incoming/run-42/")).setRequestId("req-1")
                .build());
        assertEquals(1, v.getVersionNumber());
        assertEquals(List.of("manifest.json", "params.bin"), store.list("models/from-store/versions/1").stream().sorted().toList());
        // a retry with the same request id returns the same version
        ModelVersion again = client.blocking(ADMIN).createVersion(CreateVersionRequest.newBuilder().setParent("models/from-store")
                .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://" + store.bucket() + "/incoming/run-42/")).setRequestId("req-1")
                .build());
        assertEquals(v.getName(), again.getName());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).createVersion(
                CreateVersionRequest.newBuilder().setParent("models/from-store")
                        .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://" + store.bucket() + "/nothing/")).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void authenticationAndRoles() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.blocking(null).listModels(ListModelsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking("stolen").listModels(ListModelsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking("read-token").createModel(
                CreateModelRequest.newBuilder().setModelId("nope").build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("needs role write"), e.getStatus().getDescription());
        client.blocking("write-token").createModel(CreateModelRequest.newBuilder().setModelId("writable").build());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking("write-token").deleteModel(
                dev.sculptor.api.v1.DeleteModelRequest.newBuilder().setName("models/writable").build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        client.blocking("read-token").getModel(GetModelRequest.newBuilder().setName("models/writable").build());
    }

    @Test
    void badInputNamesTheField() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> createModel("Bad_Id"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("model_id:"), e.getStatus().getDescription());
        createModel("dup");
        e = assertThrows(StatusRuntimeException.class, () -> createModel("dup"));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).getModel(GetModelRequest.newBuilder()
                .setName("model/dup").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("name:"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).getVersion(GetVersionRequest.newBuilder()
                .setName("models/dup/versions/9").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).getModel(GetModelRequest.newBuilder()
                .setName("models/ghost").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).updateModel(UpdateModelRequest.newBuilder()
                .setModel(Model.newBuilder().setName("models/dup")).setUpdateMask(FieldMask.newBuilder().addPaths("name")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("path 'name' cannot be updated"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).listModels(ListModelsRequest.newBuilder()
                .setPageToken("%%%").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).createVersion(CreateVersionRequest.newBuilder()
                .setParent("models/dup").setCheckpoint(CheckpointRef.newBuilder().setUri("s3://elsewhere/x/")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("checkpoint.uri:"), e.getStatus().getDescription());
    }

    @Test
    void listsPage() {
        for (String id : List.of("page-a", "page-b", "page-c")) {
            createModel(id);
        }
        ListModelsResponse first = client.blocking(ADMIN).listModels(ListModelsRequest.newBuilder().setPageSize(2)
                .setFilter("name:page-").build());
        assertEquals(List.of("models/page-a", "models/page-b"), first.getModelsList().stream().map(Model::getName).toList());
        ListModelsResponse second = client.blocking(ADMIN).listModels(ListModelsRequest.newBuilder().setPageSize(2)
                .setFilter("name:page-").setPageToken(first.getNextPageToken()).build());
        assertEquals(List.of("models/page-c"), second.getModelsList().stream().map(Model::getName).toList());
        assertEquals("", second.getNextPageToken());
    }

    @Test
    void filtersOrderCompareAndSetAndDeletes(@TempDir Path tmp) throws Exception {
        createModel("filt");
        client.blocking(ADMIN).createModel(CreateModelRequest.newBuilder().setModelId("filt-other")
                .setModel(Model.newBuilder().putLabels("team", "speech")).build());
        ModelVersion v1 = client.upload(ADMIN, header("filt"), TestCheckpoints.write(tmp.resolve("a"), TestCheckpoints.TINY, 21, null));
        ModelVersion v2 = client.upload(ADMIN, header("filt").toBuilder().clearTags().addTags("pruned")
                .setLineage(Lineage.newBuilder().setParentVersion(v1.getName()).setMethod("l1")).build(),
                TestCheckpoints.write(tmp.resolve("b"), TestCheckpoints.TINY, 22, null));
        var stub = client.blocking(ADMIN);
        assertEquals(List.of("models/filt"), stub.listModels(ListModelsRequest.newBuilder()
                .setFilter("labels.team = \"vision\" AND name:filt").build()).getModelsList().stream().map(Model::getName).toList());
        // newest first by default, oldest first on request
        assertEquals(List.of(v2.getName(), v1.getName()), stub.listVersions(ListVersionsRequest.newBuilder().setParent("models/filt")
                .build()).getVersionsList().stream().map(ModelVersion::getName).toList());
        assertEquals(List.of(v1.getName(), v2.getName()), stub.listVersions(ListVersionsRequest.newBuilder().setParent("models/filt")
                .setOrderBy("version_number").build()).getVersionsList().stream().map(ModelVersion::getName).toList());
        assertEquals(List.of(v2.getName()), stub.listVersions(ListVersionsRequest.newBuilder().setParent("models/filt")
                .setFilter("lineage.method = \"l1\" AND tags: \"pruned\"").build()).getVersionsList().stream()
                .map(ModelVersion::getName).toList());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.listVersions(ListVersionsRequest
                .newBuilder().setParent("models/filt").setFilter("size > 3").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("filter:"), e.getStatus().getDescription());

        // compare-and-set on aliases
        stub.setAlias(SetAliasRequest.newBuilder().setName("models/filt/aliases/prod").setVersion(v1.getName()).build());
        e = assertThrows(StatusRuntimeException.class, () -> stub.setAlias(SetAliasRequest.newBuilder()
                .setName("models/filt/aliases/prod").setVersion(v2.getName()).setExpectedVersionNumber(2).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        stub.setAlias(SetAliasRequest.newBuilder().setName("models/filt/aliases/prod").setVersion(v2.getName())
                .setExpectedVersionNumber(1).build());
        stub.deleteAlias(dev.sculptor.api.v1.DeleteAliasRequest.newBuilder().setName("models/filt/aliases/prod").build());
        List<AliasMoved> moves = eventsOf(AliasMoved.class, x -> x.getModel().equals("models/filt"), 3);
        assertEquals(List.of(v1.getName(), v2.getName(), ""), moves.stream().map(AliasMoved::getModelVersion).toList());

        // a forced model delete removes its objects: a new model of the same id starts clean
        stub.deleteModel(dev.sculptor.api.v1.DeleteModelRequest.newBuilder().setName("models/filt").setForce(true).build());
        assertTrue(store.list("models/filt/versions/1").isEmpty());
        assertTrue(store.list("models/filt/versions/2").isEmpty());
        List<dev.sculptor.api.v1.ModelDeleted> deleted = eventsOf(dev.sculptor.api.v1.ModelDeleted.class,
                x -> x.getModel().equals("models/filt"), 1);
        assertEquals(2, deleted.get(0).getDeletedVersions());
    }

    @Test
    void hostileNamesAreRefusedBeforeAnyQueryWithAShortMessage() {
        var stub = client.blocking(ADMIN);
        String huge = "models/" + "x".repeat(10_000);
        for (String name : List.of("models/a\u0000b", "models/caf\u00e9", "models/x' OR '1'='1", "models/m; DROP TABLE models", huge)) {
            for (Runnable call : List.<Runnable>of(
                    () -> stub.getModel(GetModelRequest.newBuilder().setName(name).build()),
                    () -> stub.getVersion(GetVersionRequest.newBuilder().setName(name + "/versions/1").build()),
                    () -> stub.listVersions(ListVersionsRequest.newBuilder().setParent(name).build()),
                    () -> stub.deleteAlias(dev.sculptor.api.v1.DeleteAliasRequest.newBuilder().setName(name + "/aliases/a").build()),
                    () -> stub.getLineage(GetLineageRequest.newBuilder().setName(name + "/versions/1").build()))) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
                String why = e.getStatus().getDescription();
                // a NUL is refused for every field of every request, before any service sees it (platform RequestText)
                String expected = name.contains("\u0000") ? "contains the control character U+0000"
                        : "is not a resource name of the form models/{model}";
                assertTrue(why.length() < 300 && why.contains(expected), why);
                assertTrue(!why.contains("\u0000") && !why.contains("x".repeat(65)), why);
            }
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.getVersion(GetVersionRequest.newBuilder()
                .setName("models/m/versions/-1").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("name: 'models/m/versions/-1' is not a resource name"),
                e.getStatus().getDescription());
    }

    @Test
    void theDatabasesTextNeverReachesTheClient() {
        // a NUL in a filter value would reach PostgreSQL, which refuses it with its own text: refused before, naming the field
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).listModels(
                ListModelsRequest.newBuilder().setFilter("display_name = \"a\u0000b\"").build()));
        String why = e.getStatus().getDescription();
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(why.startsWith("filter: contains the control character U+0000"), why);
        // so is one in free text, which no name grammar covers
        StatusRuntimeException d = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).createModel(
                CreateModelRequest.newBuilder().setModelId("nul-text").setModel(Model.newBuilder().setDescription("a\u0000b")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, d.getStatus().getCode());
        assertTrue(d.getStatus().getDescription().startsWith("model.description: contains the control character U+0000"),
                d.getStatus().getDescription());
        assertTrue(!why.contains("UTF8") && !why.contains("0x00") && !why.contains("ERROR") && !why.contains("database error"), why);
    }

    @Test
    void statusMessagesTravelAsTheGrpcSpecEncodesThem() throws Exception {
        // as a client of another language reads them: the raw grpc-message, over plain HTTP/2 (h2c, prior knowledge)
        String required = rawGrpcMessage(GET_MODEL, GetModelRequest.getDefaultInstance().toByteArray());
        assertEquals("name: is required (models/{model})", required);
        String unicode = rawGrpcMessage(GET_MODEL, GetModelRequest.newBuilder()
                .setName("models/caf\u00e9 100%").build().toByteArray());
        assertTrue(unicode.startsWith("name: 'models/caf%C3%A9 100%25' is not a resource name of the form models/{model}: "), unicode);
        // and grpc-java decodes the same bytes to the message as written
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.blocking(ADMIN).getModel(
                GetModelRequest.newBuilder().setName("models/caf\u00e9 100%").build()));
        assertTrue(e.getStatus().getDescription().startsWith("name: 'models/caf\u00e9 100%' is not"), e.getStatus().getDescription());
    }

    /** The grpc-message of a unary call, as its bytes arrive (in the headers of a trailers-only answer, else in the trailers). */
    String rawGrpcMessage(String path, byte[] request) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendInt(request.length)
                    .appendBytes(request);
            return http.request(io.vertx.core.http.HttpMethod.POST, url.getPort(), "127.0.0.1", path)
                    .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers")
                            .putHeader("authorization", "Bearer " + ADMIN).send(frame))
                    .compose(resp -> resp.body().map(body -> {
                        String m = resp.getHeader("grpc-message");
                        return m != null ? m : resp.getTrailer("grpc-message");
                    }))
                    .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
