package dev.sculptor.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DeleteModelRequest;
import dev.sculptor.api.v1.DeleteVersionRequest;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.platform.store.CheckpointStore;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile but honest client tried against the registry (issue 11), each case kept fixed. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @io.quarkus.test.common.ResourceArg(name = "database", value = "registry"))
class HostileInputTest {
    static final String ADMIN = ModelRegistryTest.ADMIN;

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

    ModelRegistryGrpc.ModelRegistryBlockingStub admin() {
        return client.blocking(ADMIN);
    }

    void createModel(String id) {
        admin().createModel(CreateModelRequest.newBuilder().setModelId(id).setModel(Model.getDefaultInstance()).build());
    }

    static UploadVersionHeader header(String model) {
        return ModelRegistryTest.header(model);
    }

    static UploadVersionHeader child(String model, String parent) {
        return header(model).toBuilder().setLineage(Lineage.newBuilder().setParentVersion(parent).setMethod("l1")).build();
    }

    static List<String> names(GetLineageResponse r) {
        return r.getVersionsList().stream().map(ModelVersion::getName).toList();
    }

    static String uri(CheckpointStore store, String prefix) {
        return "s3://" + store.bucket() + "/" + prefix;
    }

    // ---- deleting a lineage parent ----

    @Test
    void aLineageParentIsDeletedOnlyWithForceAndStaysNamedInTheChain(@TempDir Path tmp) throws Exception {
        createModel("parent-del");
        createModel("parent-del-other");
        ModelVersion root = client.upload(ADMIN, header("parent-del"), TestCheckpoints.write(tmp.resolve("r"), TestCheckpoints.TINY, 1, null));
        ModelVersion v1 = client.upload(ADMIN, child("parent-del", root.getName()),
                TestCheckpoints.write(tmp.resolve("1"), TestCheckpoints.TINY, 2, null));
        // three children, one of them in another model
        ModelVersion c1 = client.upload(ADMIN, child("parent-del", v1.getName()),
                TestCheckpoints.write(tmp.resolve("c1"), TestCheckpoints.TINY, 3, null));
        ModelVersion c2 = client.upload(ADMIN, child("parent-del", v1.getName()),
                TestCheckpoints.write(tmp.resolve("c2"), TestCheckpoints.TINY, 4, null));
        ModelVersion c3 = client.upload(ADMIN, child("parent-del-other", v1.getName()),
                TestCheckpoints.write(tmp.resolve("c3"), TestCheckpoints.TINY, 5, null));
        ModelVersion grandchild = client.upload(ADMIN, child("parent-del", c1.getName()),
                TestCheckpoints.write(tmp.resolve("g"), TestCheckpoints.TINY, 6, null));

        // without force: refused, naming how many descend from it and some of them
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> admin().deleteVersion(DeleteVersionRequest.newBuilder().setName(v1.getName()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        String m = e.getStatus().getDescription();
        assertTrue(m.contains("lineage parent of 3 version(s)"), m);
        assertTrue(m.contains(c1.getName()) && m.contains(c2.getName()), m);
        assertTrue(m.contains("force"), m);
        assertEquals(v1.getName(), admin().getVersion(GetVersionRequest.newBuilder().setName(v1.getName()).build()).getName());
        assertFalse(store.list(v1.getCheckpoint().getUri().substring(uri(store, "").length())).isEmpty());

        // with force: gone, and every child's chain ends in it, marked deleted, instead of stopping short
        admin().deleteVersion(DeleteVersionRequest.newBuilder().setName(v1.getName()).setForce(true).build());
        e = assertThrows(StatusRuntimeException.class,
                () -> admin().getVersion(GetVersionRequest.newBuilder().setName(v1.getName()).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        GetLineageResponse chain = admin().getLineage(GetLineageRequest.newBuilder().setName(grandchild.getName()).build());
        assertEquals(List.of(grandchild.getName(), c1.getName(), v1.getName()), names(chain));
        ModelVersion gone = chain.getVersions(2);
        assertEquals(ModelVersion.State.DELETED, gone.getState());
        assertEquals(2, gone.getVersionNumber());
        assertTrue(gone.getStateMessage().startsWith("deleted"), gone.getStateMessage());
        assertEquals(ModelVersion.State.READY, chain.getVersions(1).getState());
        assertFalse(chain.getTruncated());
        GetLineageResponse other = admin().getLineage(GetLineageRequest.newBuilder().setName(c3.getName()).build());
        assertEquals(List.of(c3.getName(), v1.getName()), names(other));
        assertEquals(ModelVersion.State.DELETED, other.getVersions(1).getState());
        // the depth bound counts the deleted entry like any other
        GetLineageResponse shallow = admin().getLineage(GetLineageRequest.newBuilder().setName(grandchild.getName())
                .setMaxDepth(2).build());
        assertEquals(List.of(grandchild.getName(), c1.getName()), names(shallow));
        assertTrue(shallow.getTruncated());
        // the children keep the name as their parent; the number is not reused
        assertEquals(v1.getName(), admin().getVersion(GetVersionRequest.newBuilder().setName(c2.getName()).build())
                .getLineage().getParentVersion());
        ModelVersion next = client.upload(ADMIN, header("parent-del"), TestCheckpoints.write(tmp.resolve("n"), TestCheckpoints.TINY, 7, null));
        assertEquals(grandchild.getVersionNumber() + 1, next.getVersionNumber());

        // a parent whose whole model was deleted is shown the same way
        admin().deleteModel(DeleteModelRequest.newBuilder().setName("models/parent-del").setForce(true).build());
        other = admin().getLineage(GetLineageRequest.newBuilder().setName(c3.getName()).build());
        assertEquals(List.of(c3.getName(), v1.getName()), names(other));
        assertEquals(ModelVersion.State.DELETED, other.getVersions(1).getState());
    }

    // ---- self-reported metrics ----

    @Test
    void uploadedMetricsAreClaimsAndOnlyThePlatformsOwnAreMeasured(@TempDir Path tmp) throws Exception {
        createModel("claims");
        Path boastful = tmp.resolve("b");
        TestCheckpoints.write(boastful, TestCheckpoints.TINY, 8, null);
        withMetrics(boastful, 0.999, 0.001);
        ModelVersion up = client.upload(ADMIN, header("claims"), boastful);
        assertFalse(up.getMetrics().hasAccuracy(), "an uploaded claim is not a measured accuracy");
        assertFalse(up.getMetrics().hasLoss());
        assertTrue(up.getMetrics().getParams() > 0 && up.getMetrics().getFlops() > 0, "params and flops are computed here");
        assertEquals(0.999, up.getClaimedMetrics().getAccuracy(), 1e-12);
        assertEquals(0.001, up.getClaimedMetrics().getLoss(), 1e-12);
        assertEquals(0, up.getClaimedMetrics().getParams());
        // the same on every read, and in the event
        ModelVersion read = admin().getVersion(GetVersionRequest.newBuilder().setName(up.getName()).build());
        assertEquals(up.getMetrics(), read.getMetrics());
        assertEquals(up.getClaimedMetrics(), read.getClaimedMetrics());
        assertEquals(0.999, ModelRegistryTest.eventsOf(dev.sculptor.api.v1.VersionRegistered.class,
                x -> x.getVersion().getName().equals(up.getName()), 1).get(0).getVersion().getClaimedMetrics().getAccuracy(), 1e-12);

        // a checkpoint the platform's training wrote: its metrics were measured by the platform
        Path trained = TestCheckpoints.write(tmp.resolve("t"), TestCheckpoints.TINY, 9, null);
        withMetrics(trained, 0.91, 0.3);
        store.putDirectory(trained, "runs/r-claims/checkpoints/final/");
        ModelVersion measured = admin().createVersion(CreateVersionRequest.newBuilder().setParent("models/claims")
                .setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "runs/r-claims/checkpoints/final/")))
                .setLineage(Lineage.newBuilder().setTrainingRun("trainingRuns/r-claims")).build());
        assertEquals(0.91, measured.getMetrics().getAccuracy(), 1e-12);
        assertFalse(measured.hasClaimedMetrics());

        // the same checkpoint placed anywhere else in the bucket is a claim again
        store.putDirectory(boastful, "incoming/claims/");
        ModelVersion elsewhere = admin().createVersion(CreateVersionRequest.newBuilder().setParent("models/claims")
                .setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "incoming/claims/"))).build());
        assertFalse(elsewhere.getMetrics().hasAccuracy());
        assertEquals(0.999, elsewhere.getClaimedMetrics().getAccuracy(), 1e-12);
        // and copying a version's own place does not launder its claims
        ModelVersion copied = admin().createVersion(CreateVersionRequest.newBuilder().setParent("models/claims")
                .setCheckpoint(up.getCheckpoint().toBuilder().clearManifestSha256()).build());
        assertFalse(copied.getMetrics().hasAccuracy());
    }

    /** Rewrites a checkpoint's manifest with these metrics. */
    static void withMetrics(Path dir, double accuracy, double loss) throws Exception {
        Manifest m = dev.sculptor.engine.checkpoint.CheckpointDir.readManifest(dir);
        Manifest changed = Manifest.builder().arch(m.arch()).metric("accuracy", accuracy).metric("loss", loss).build();
        dev.sculptor.engine.checkpoint.CheckpointDir.write(dir, changed, java.util.Map.of("params.bin", dir.resolve("params.bin")));
    }

    // ---- total_bytes ----

    @Test
    void aFalseTotalBytesIsRefusedAndLeavesNothing(@TempDir Path tmp) throws Exception {
        createModel("bytes");
        Path ck = TestCheckpoints.write(tmp.resolve("ck"), TestCheckpoints.TINY, 11, null);
        long actual;
        try (Stream<Path> s = Files.list(ck)) {
            actual = s.mapToLong(f -> f.toFile().length()).sum();
        }
        Set<String> tempsBefore = uploadTemps();
        Set<String> stagingBefore = new HashSet<>(store.list("staging/"));
        for (long claimed : new long[] {actual + 1, actual - 1, 10}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.upload(ADMIN, header("bytes").toBuilder().setTotalBytes(claimed).build(), ck));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "total_bytes " + claimed);
            String m = e.getStatus().getDescription();
            assertTrue(m.startsWith("header.total_bytes: expected " + claimed + " bytes, received"), m);
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.upload(ADMIN, header("bytes").toBuilder().setTotalBytes(actual + 1).build(), ck));
        assertTrue(e.getStatus().getDescription().endsWith("received " + actual), e.getStatus().getDescription());

        // nothing stored: no version, no number used, no objects, no temp files left
        assertEquals(0, admin().listVersions(ListVersionsRequest.newBuilder().setParent("models/bytes").build()).getVersionsCount());
        assertEquals(0, admin().getModel(GetModelRequest.newBuilder().setName("models/bytes").build()).getLatestVersionNumber());
        assertTrue(store.list("models/bytes/").isEmpty());
        assertEquals(stagingBefore, new HashSet<>(store.list("staging/")));
        await("the uploads' temp directories removed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> tempsBefore.containsAll(uploadTemps()));
        // the true size is accepted
        assertEquals(1, client.upload(ADMIN, header("bytes").toBuilder().setTotalBytes(actual).build(), ck).getVersionNumber());
    }

    static Set<String> uploadTemps() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sculptor-upload-")).collect(Collectors.toSet());
        }
    }

    // ---- no server paths in errors ----

    @Test
    void errorsNameTheFilesAsTheClientKnowsThem(@TempDir Path tmp) throws Exception {
        createModel("paths");
        String tmpRoot = System.getProperty("java.io.tmpdir");
        Path ck = TestCheckpoints.write(tmp.resolve("ck"), TestCheckpoints.TINY, 12, null);
        Path manifestOnly = Files.createDirectories(tmp.resolve("m"));
        Files.copy(ck.resolve("manifest.json"), manifestOnly.resolve("manifest.json"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.upload(ADMIN, header("paths"), manifestOnly));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        String m = e.getStatus().getDescription();
        assertTrue(m.startsWith("checkpoint rejected: params.bin: missing"), m);
        assertFalse(m.contains(tmpRoot) || m.contains("sculptor-upload-"), m);

        Path garbled = Files.createDirectories(tmp.resolve("g"));
        Files.writeString(garbled.resolve("manifest.json"), "{not json");
        e = assertThrows(StatusRuntimeException.class, () -> client.upload(ADMIN, header("paths"), garbled));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        m = e.getStatus().getDescription();
        assertTrue(m.startsWith("checkpoint rejected: manifest.json"), m);
        assertFalse(m.contains(tmpRoot) || m.contains("sculptor-upload-"), m);

        // a checkpoint in the bucket: its files by their URI
        store.putDirectory(manifestOnly, "incoming/paths/");
        e = assertThrows(StatusRuntimeException.class, () -> admin().createVersion(CreateVersionRequest.newBuilder()
                .setParent("models/paths").setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "incoming/paths/"))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        m = e.getStatus().getDescription();
        assertTrue(m.startsWith("checkpoint rejected: " + uri(store, "incoming/paths/params.bin") + ": missing"), m);
        assertFalse(m.contains(tmpRoot) || m.contains("sculptor-upload-"), m);
    }

    // ---- request_id reuse (AIP-155) ----

    @Test
    void aReusedUploadRequestIdWithAnotherBodyIsRefusedNamingTheField(@TempDir Path tmp) throws Exception {
        createModel("reuse-up");
        Path ck = TestCheckpoints.write(tmp.resolve("a"), TestCheckpoints.TINY, 13, null);
        UploadVersionHeader h = header("reuse-up").toBuilder().setRequestId("up-1").build();
        ModelVersion first = client.upload(ADMIN, h, ck);
        assertEquals(first.getName(), client.upload(ADMIN, h, ck).getName(), "the same body: the first version");

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.upload(ADMIN, h.toBuilder().setDescription("another").build(), ck));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        String m = e.getStatus().getDescription();
        assertTrue(m.startsWith("header.request_id: 'up-1' was used for " + first.getName()), m);
        assertTrue(m.contains("different header.description;"), m);

        Path other = TestCheckpoints.write(tmp.resolve("b"), TestCheckpoints.TINY, 14, null);
        e = assertThrows(StatusRuntimeException.class, () -> client.upload(ADMIN, h.toBuilder().addTags("x").build(), other));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        m = e.getStatus().getDescription();
        assertTrue(m.contains("different header.tags, the checkpoint (its manifest.json)"), m);

        // the id is the upload's: CreateVersion cannot reuse it
        store.putDirectory(ck, "incoming/reuse-up/");
        e = assertThrows(StatusRuntimeException.class, () -> admin().createVersion(CreateVersionRequest.newBuilder()
                .setParent("models/reuse-up").setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "incoming/reuse-up/")))
                .setDescription(h.getDescription()).addAllTags(h.getTagsList()).setRequestId("up-1").build()));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("was used by UploadVersion"), e.getStatus().getDescription());
        assertEquals(1, admin().getModel(GetModelRequest.newBuilder().setName("models/reuse-up").build()).getLatestVersionNumber());
    }

    @Test
    void aReusedCreateRequestIdComparesTheVersionNotTheSourcePlace(@TempDir Path tmp) throws Exception {
        createModel("reuse-create");
        // a retried pruning step: the same request from another place (and a checkpoint written again)
        store.putDirectory(TestCheckpoints.write(tmp.resolve("a"), TestCheckpoints.TINY, 15, null), "jobs/j-reuse/pruned/1/");
        store.putDirectory(TestCheckpoints.write(tmp.resolve("b"), TestCheckpoints.TINY, 16, null), "jobs/j-reuse/pruned/2/");
        Struct.Builder settings = Struct.newBuilder().putFields("ratio", Value.newBuilder().setNumberValue(0.5).build())
                .putFields("prune_job", Value.newBuilder().setStringValue("pruneJobs/j-reuse").build());
        Struct.Builder reordered = Struct.newBuilder().putFields("prune_job", Value.newBuilder().setStringValue("pruneJobs/j-reuse")
                .build()).putFields("ratio", Value.newBuilder().setNumberValue(0.5).build());
        CreateVersionRequest first = CreateVersionRequest.newBuilder().setParent("models/reuse-create")
                .setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "jobs/j-reuse/pruned/1/")))
                .setDescription("pruneJobs/j-reuse: l1").addTags("sculptor-pruned").setRequestId("job-1")
                .setLineage(Lineage.newBuilder().setPruneJob("pruneJobs/j-reuse").setMethod("l1").setSettings(settings)).build();
        ModelVersion v = admin().createVersion(first);
        ModelVersion again = admin().createVersion(first.toBuilder()
                .setCheckpoint(CheckpointRef.newBuilder().setUri(uri(store, "jobs/j-reuse/pruned/2/")))
                .setLineage(first.getLineage().toBuilder().setSettings(reordered)).build());
        assertEquals(v.getName(), again.getName());
        assertEquals(v.getCheckpoint().getManifestSha256(), admin().getVersion(GetVersionRequest.newBuilder().setName(v.getName())
                .build()).getCheckpoint().getManifestSha256(), "the first registration's checkpoint stays");
        // a given manifest digest must be the first version's
        assertEquals(v.getName(), admin().createVersion(first.toBuilder().setCheckpoint(first.getCheckpoint().toBuilder()
                .setManifestSha256(v.getCheckpoint().getManifestSha256())).build()).getName());

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> admin().createVersion(first.toBuilder()
                .setLineage(first.getLineage().toBuilder().setMethod("thinet")).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        String m = e.getStatus().getDescription();
        assertTrue(m.startsWith("request_id: 'job-1' was used for " + v.getName() + " by a request with a different lineage;"), m);
        e = assertThrows(StatusRuntimeException.class, () -> admin().createVersion(first.toBuilder().clearTags()
                .setDescription("other").build()));
        assertTrue(e.getStatus().getDescription().contains("different description, tags;"), e.getStatus().getDescription());
        String otherSha = "0".repeat(64);
        e = assertThrows(StatusRuntimeException.class, () -> admin().createVersion(first.toBuilder().setCheckpoint(first
                .getCheckpoint().toBuilder().setManifestSha256(otherSha)).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("different checkpoint.manifest_sha256"), e.getStatus().getDescription());
        assertEquals(1, admin().getModel(GetModelRequest.newBuilder().setName("models/reuse-create").build()).getLatestVersionNumber());
    }
}
