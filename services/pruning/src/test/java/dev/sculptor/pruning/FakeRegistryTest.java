package dev.sculptor.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.ListVersionsResponse;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.SetAliasResponse;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedS3;
import dev.sculptor.testing.S3Resource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The fake answers as the model registry does where the pruning service and its tests depend on it. */
class FakeRegistryTest {
    static ManagedChannel channel;
    static CheckpointStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        channel = ManagedChannelBuilder.forTarget(FakeRegistry.target()).usePlaintext().build();
        store = new CheckpointStore(S3Resource.endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, S3Resource.DEFAULT_BUCKET);
        store.ensureBucket();
    }

    @AfterAll
    static void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static ModelRegistryGrpc.ModelRegistryBlockingStub registry() {
        return Fixtures.withToken(ModelRegistryGrpc.newBlockingStub(channel), FakeRegistry.TOKEN).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static StatusRuntimeException fails(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    /** A seeded LeNet checkpoint uploaded under a fresh prefix; its URI. */
    String upload(long seed) {
        Path dir = tmp.resolve(UUID.randomUUID().toString());
        try (Network net = Network.create(Fixtures.LENET, seed)) {
            ModelCheckpoint.save(dir, net, ModelCheckpoint.Info.EMPTY, null, null);
        }
        String prefix = "uploads/" + dir.getFileName() + "/";
        store.putDirectory(dir, prefix);
        return store.uri(prefix);
    }

    static CreateVersionRequest.Builder version(String model, String uri) {
        return CreateVersionRequest.newBuilder().setParent("models/" + model).setCheckpoint(CheckpointRef.newBuilder().setUri(uri));
    }

    @Test
    void versionsAreVerifiedNumberedAndAnnouncedLikeTheRegistrys() throws Exception {
        fails(Status.Code.UNAUTHENTICATED, () -> Fixtures.withToken(ModelRegistryGrpc.newBlockingStub(channel), "admin-token")
                .getVersion(GetVersionRequest.newBuilder().setName("models/x/versions/1").build()));
        String model = Fixtures.unique("fake");
        fails(Status.Code.INVALID_ARGUMENT, () -> registry().createModel(CreateModelRequest.newBuilder().setModelId("Bad_Id").build()));
        registry().createModel(CreateModelRequest.newBuilder().setModelId(model).build());
        fails(Status.Code.ALREADY_EXISTS, () -> registry().createModel(CreateModelRequest.newBuilder().setModelId(model).build()));

        // checkpoints the registry refuses: none there, outside the bucket, not matching their manifest
        String uri = upload(1);
        fails(Status.Code.NOT_FOUND, () -> registry().createVersion(version(model, store.uri("uploads/nothing/")).build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> registry().createVersion(version(model, "s3://elsewhere/x/").build()));
        Path bad = tmp.resolve("bad");
        store.getDirectory(uri.substring(("s3://" + store.bucket() + "/").length()), bad);
        Files.writeString(bad.resolve("params.bin"), "not tensors", StandardCharsets.UTF_8);
        store.putDirectory(bad, "uploads/bad/");
        StatusRuntimeException rejected = fails(Status.Code.INVALID_ARGUMENT, () -> registry().createVersion(version(model,
                store.uri("uploads/bad/")).build()));
        assertTrue(rejected.getStatus().getDescription().startsWith("checkpoint rejected: "), rejected.getStatus().getDescription());
        fails(Status.Code.INVALID_ARGUMENT, () -> registry().createVersion(version(model, uri).setLineage(Lineage.newBuilder()
                .setParentVersion("v1")).build()));
        fails(Status.Code.NOT_FOUND, () -> registry().createVersion(version(model + "-none", uri).build()));

        // the first version: filled from the checkpoint, copied under the registry's prefix; a retry returns it
        String requestId = UUID.randomUUID().toString();
        ModelVersion v1 = registry().createVersion(version(model, uri).setRequestId(requestId).addTags("baseline").build());
        assertEquals("models/" + model + "/versions/1", v1.getName());
        assertEquals(ModelVersion.State.READY, v1.getState());
        assertEquals(List.of(32, 64), v1.getArch().getConvWidthsList());
        assertEquals(List.of(128), v1.getArch().getHiddenList());
        assertEquals("lenet", v1.getArch().getFamily());
        assertEquals(ModelStats.of(Fixtures.LENET).params(), v1.getMetrics().getParams());
        assertEquals(ModelStats.of(Fixtures.LENET).flops(), v1.getMetrics().getFlops());
        assertEquals(store.uri("models/" + model + "/versions/1/"), v1.getCheckpoint().getUri());
        assertEquals(64, v1.getCheckpoint().getManifestSha256().length());
        assertTrue(store.exists("models/" + model + "/versions/1/manifest.json"));
        assertEquals(List.of("baseline"), v1.getTagsList());
        assertEquals(v1, registry().createVersion(version(model, uri).setRequestId(requestId).build()));
        ModelVersion v2 = registry().createVersion(version(model, uri).setLineage(Lineage.newBuilder().setParentVersion(v1.getName())
                .setMethod("l1-norm")).build());
        assertEquals(2, v2.getVersionNumber());
        assertEquals("l1-norm", v2.getLineage().getMethod());

        // read back by number, by alias, and listed newest first
        fails(Status.Code.NOT_FOUND, () -> registry().getVersion(GetVersionRequest.newBuilder().setName("models/" + model
                + "/versions/9").build()));
        fails(Status.Code.NOT_FOUND, () -> registry().getVersion(GetVersionRequest.newBuilder().setName("models/" + model
                + "/versions/prod").build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> registry().getVersion(GetVersionRequest.newBuilder().setName("versions/1").build()));
        SetAliasResponse set = registry().setAlias(SetAliasRequest.newBuilder().setName("models/" + model + "/aliases/prod")
                .setVersion(v1.getName()).build());
        assertEquals("", set.getPreviousVersion());
        assertEquals(v1.getName(), set.getAlias().getVersion());
        registry().setAlias(SetAliasRequest.newBuilder().setName("models/" + model + "/aliases/prod").setVersion(v2.getName()).build());
        ModelVersion viaAlias = registry().getVersion(GetVersionRequest.newBuilder().setName("models/" + model + "/versions/prod")
                .build());
        assertEquals(v2.getName(), viaAlias.getName());
        assertEquals(List.of("prod"), viaAlias.getAliasesList());
        ListVersionsResponse page = registry().listVersions(ListVersionsRequest.newBuilder().setParent("models/" + model)
                .setPageSize(1).build());
        assertEquals(List.of(v2.getName()), page.getVersionsList().stream().map(ModelVersion::getName).toList());
        assertEquals(List.of(v1.getName()), registry().listVersions(ListVersionsRequest.newBuilder().setParent("models/" + model)
                .setPageSize(1).setPageToken(page.getNextPageToken()).build()).getVersionsList().stream()
                .map(ModelVersion::getName).toList());

        // on the registry's topic, keyed by model, from the registry's source: two versions, one alias set then moved
        List<ConsumerRecord<byte[], byte[]>> records = Fixtures.records(Topics.REGISTRY_EVENTS, "models/" + model);
        assertEquals(List.of("sculptor.v1.ModelCreated", "sculptor.v1.VersionRegistered", "sculptor.v1.VersionRegistered",
                "sculptor.v1.AliasMoved", "sculptor.v1.AliasMoved"), records.stream().map(r -> Fixtures.header(r, "ce_type")).toList());
        records.forEach(r -> assertEquals("/sculptor/model-registry", Fixtures.header(r, "ce_source")));
        assertEquals(v1.getName(), Fixtures.header(records.get(1), "ce_subject"));
        assertEquals(v1, VersionRegistered.parseFrom(records.get(1).value()).getVersion());
        assertEquals("models/" + model + "/aliases/prod", Fixtures.header(records.get(4), "ce_subject"));
        AliasMoved moved = AliasMoved.parseFrom(records.get(4).value());
        assertEquals(v2.getName(), moved.getModelVersion());
        assertEquals(v1.getName(), moved.getPreviousVersion());
    }

    @Test
    void residualArchitecturesMapToTheContractsMessages() {
        ArchSpec spec = new ArchSpec("preresnet", "preresnet11-a", List.of(3, 32, 32), 10, null, null, null, 16,
                List.of(64, 128, 256), List.of(List.of(16, 8), List.of(32, 32), List.of(64, 64)),
                Arrays.asList(null, List.of(0, 2, 5), null, null), null, true);
        dev.sculptor.api.v1.ArchSpec a = FakeRegistryService.arch(spec);
        assertEquals("preresnet", a.getFamily());
        assertEquals("preresnet11-a", a.getName());
        assertEquals(List.of(3, 32, 32), a.getInputShapeList());
        assertEquals(10, a.getNumClasses());
        assertEquals(16, a.getStem());
        assertEquals(List.of(64, 128, 256), a.getStageWidthsList());
        assertEquals(List.of(List.of(16, 8), List.of(32, 32), List.of(64, 64)), a.getBlocksList().stream()
                .map(dev.sculptor.api.v1.ArchSpec.BlockWidths::getWidthsList).toList());
        assertEquals(List.of(true, false, true, true), a.getSelectionsList().stream()
                .map(dev.sculptor.api.v1.ArchSpec.ChannelSelection::getAll).toList());
        assertEquals(List.of(0, 2, 5), a.getSelections(1).getChannelsList());
    }
}
