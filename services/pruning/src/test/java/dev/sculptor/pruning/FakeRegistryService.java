package dev.sculptor.pruning;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.Alias;
import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.ListVersionsResponse;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelCreated;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.SetAliasResponse;
import dev.sculptor.api.v1.UpdateVersionRequest;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.CheckpointVerifier;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.platform.grpc.PageTokens;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The model registry's API as the pruning service and its tests use it, state in memory:
 * CreateModel, GetModel, CreateVersion (a checkpoint already in the store), GetVersion (by number or
 * alias), ListVersions, UpdateVersion (description, tags) and SetAlias; the other methods answer UNIMPLEMENTED.
 *
 * <p>It keeps the registry's contract where the service depends on it: the same name grammar and
 * canonical codes with the same messages, a checkpoint verified by the engine's
 * {@link CheckpointVerifier} and copied to {@code models/{model}/versions/{n}/} in the same bucket,
 * arch, metrics, size and manifest digest filled from it, lineage from the request or else from the
 * manifest, numbers from 1 per model, one version per {@code request_id}, and ModelCreated,
 * VersionRegistered and AliasMoved on {@link Topics#REGISTRY_EVENTS} with the registry's CloudEvents
 * source, subjects and key (the model name). Events leave before the call returns, where the
 * registry's outbox sends them just after.
 */
final class FakeRegistryService extends ModelRegistryGrpc.ModelRegistryImplBase {
    /** The real registry's {@code ce_source}. */
    static final String SOURCE = "/sculptor/model-registry";
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern MODEL = Pattern.compile("models/([^/]+)");
    private static final Pattern ALIAS = Pattern.compile("models/([^/]+)/aliases/([^/]+)");
    private static final Pattern PARENT = Pattern.compile("models/[^/]+/versions/[0-9]+");

    private final CheckpointStore store;
    private final EventPublisher events;
    private final Map<String, ModelState> models = new HashMap<>();

    /** One model: its versions as registered (aliases are added when read), aliases and request ids. */
    private static final class ModelState {
        Model model;
        final Map<Integer, ModelVersion> versions = new TreeMap<>();
        final Map<String, Integer> aliases = new TreeMap<>();
        final Map<String, Integer> requests = new HashMap<>();
        int latest;

        ModelState(Model model) {
            this.model = model;
        }
    }

    FakeRegistryService(CheckpointStore store, EventPublisher events) {
        this.store = store;
        this.events = events;
    }

    // ---- models ----

    @Override
    public void createModel(CreateModelRequest r, StreamObserver<Model> out) {
        answer(out, () -> {
            String id = requireId("model_id", r.getModelId());
            Timestamp now = now();
            Model m = Model.newBuilder().setName("models/" + id).setDisplayName(r.getModel().getDisplayName())
                    .setDescription(r.getModel().getDescription()).putAllLabels(r.getModel().getLabelsMap()).setCreateTime(now)
                    .setUpdateTime(now).build();
            synchronized (this) {
                if (models.containsKey(id)) {
                    throw Status.ALREADY_EXISTS.withDescription("models/" + id + " already exists").asRuntimeException();
                }
                ModelState s = new ModelState(m);
                models.put(id, s);
                publish(ModelCreated.newBuilder().setModel(m.getName()).setDisplayName(m.getDisplayName())
                        .putAllLabels(m.getLabelsMap()).setOccurredTime(now).build(), id, m.getName());
                return model(s);
            }
        });
    }

    @Override
    public void getModel(GetModelRequest r, StreamObserver<Model> out) {
        answer(out, () -> {
            String id = modelId("name", r.getName());
            synchronized (this) {
                return model(state(id));
            }
        });
    }

    // ---- versions ----

    @Override
    public void createVersion(CreateVersionRequest r, StreamObserver<ModelVersion> out) {
        answer(out, () -> {
            String id = modelId("parent", r.getParent());
            Lineage lineage = requestedLineage(r);
            String source = prefixOf(r.getCheckpoint().getUri());
            Path dir = tempDir();
            try {
                store.getDirectory(source, dir);
                String sha = CheckpointStore.sha256(dir.resolve("manifest.json"));
                String expected = r.getCheckpoint().getManifestSha256();
                if (!expected.isBlank() && !sha.equalsIgnoreCase(expected)) {
                    throw invalid("checkpoint.manifest_sha256", "the manifest at " + r.getCheckpoint().getUri() + " has SHA-256 "
                            + sha + ", not " + expected);
                }
                CheckpointVerifier.Verified verified = verify(dir);
                requireId("model", id);
                synchronized (this) {
                    ModelState s = state(id);
                    String requestId = r.getRequestId().isBlank() ? null : r.getRequestId();
                    if (requestId != null && s.requests.containsKey(requestId)) {
                        return version(s, s.versions.get(s.requests.get(requestId)));
                    }
                    int number = s.latest + 1;
                    String prefix = "models/" + id + "/versions/" + number + "/";
                    store.putDirectory(dir, prefix);
                    Timestamp now = now();
                    ModelVersion v = ModelVersion.newBuilder().setName(s.model.getName() + "/versions/" + number)
                            .setVersionNumber(number).setDescription(r.getDescription()).addAllTags(r.getTagsList())
                            .setArch(arch(verified.arch())).setMetrics(metrics(verified))
                            .setLineage(lineage != null ? lineage : lineageOf(verified.manifest()))
                            .setCheckpoint(CheckpointRef.newBuilder().setUri(store.uri(prefix)).setManifestSha256(sha))
                            .setSizeBytes(verified.bytes()).setState(ModelVersion.State.READY).setCreateTime(now).setUpdateTime(now)
                            .build();
                    s.latest = number;
                    s.versions.put(number, v);
                    if (requestId != null) {
                        s.requests.put(requestId, number);
                    }
                    s.model = s.model.toBuilder().setUpdateTime(now).build();
                    ModelVersion shown = version(s, v);
                    publish(VersionRegistered.newBuilder().setModel(s.model.getName()).setVersion(shown).setOccurredTime(now).build(),
                            id, v.getName());
                    return shown;
                }
            } finally {
                deleteTree(dir);
            }
        });
    }

    @Override
    public void getVersion(GetVersionRequest r, StreamObserver<ModelVersion> out) {
        answer(out, () -> {
            VersionName ref = VersionName.parse("name", r.getName());
            synchronized (this) {
                ModelState s = state(ref.model());
                return version(s, s.versions.get(resolve(s, ref)));
            }
        });
    }

    /** UpdateVersion as the registry does it: {@code description} and {@code tags} of a numbered version. */
    @Override
    public void updateVersion(UpdateVersionRequest r, StreamObserver<ModelVersion> out) {
        answer(out, () -> {
            VersionName ref = VersionName.parse("version.name", r.getVersion().getName());
            if (ref.number() == null) {
                throw invalid("version.name", "must name a version by number");
            }
            List<String> paths = r.getUpdateMask().getPathsList().isEmpty() ? List.of("description", "tags")
                    : r.getUpdateMask().getPathsList();
            for (String p : paths) {
                if (!List.of("description", "tags").contains(p)) {
                    throw invalid("update_mask", "path '" + p + "' cannot be updated (allowed: [description, tags])");
                }
            }
            synchronized (this) {
                ModelState s = state(ref.model());
                ModelVersion.Builder b = s.versions.get(resolve(s, ref)).toBuilder().setUpdateTime(now());
                if (paths.contains("description")) {
                    b.setDescription(r.getVersion().getDescription());
                }
                if (paths.contains("tags")) {
                    b.clearTags().addAllTags(r.getVersion().getTagsList());
                }
                ModelVersion v = b.build();
                s.versions.put((int) v.getVersionNumber(), v);
                return version(s, v);
            }
        });
    }

    @Override
    public void listVersions(ListVersionsRequest r, StreamObserver<ListVersionsResponse> out) {
        answer(out, () -> {
            String id = modelId("parent", r.getParent());
            if (r.getPageSize() < 0) {
                throw invalid("page_size", "must be >= 0, got " + r.getPageSize());
            }
            int size = r.getPageSize() == 0 ? 50 : Math.min(r.getPageSize(), 1000);
            if (!r.getFilter().isEmpty()) {
                throw Status.UNIMPLEMENTED.withDescription("filter: the test fake of the registry does not filter").asRuntimeException();
            }
            String order = r.getOrderBy().trim().replaceAll("\\s+", " ");
            if (!order.isEmpty() && !order.equals("version_number desc") && !order.equals("version_number")) {
                throw invalid("order_by", "supported: 'version_number desc' (the default) or 'version_number', got '"
                        + r.getOrderBy() + "'");
            }
            boolean newestFirst = !order.equals("version_number");
            long after = PageTokens.decodeLong(r.getPageToken(), order);
            synchronized (this) {
                ModelState s = state(id);
                List<ModelVersion> page = s.versions.values().stream()
                        .sorted(newestFirst ? Comparator.comparingLong(ModelVersion::getVersionNumber).reversed()
                                : Comparator.comparingLong(ModelVersion::getVersionNumber))
                        .filter(v -> after == 0 || (newestFirst ? v.getVersionNumber() < after : v.getVersionNumber() > after))
                        .limit(size + 1L).toList();
                ListVersionsResponse.Builder b = ListVersionsResponse.newBuilder();
                page.stream().limit(size).forEach(v -> b.addVersions(version(s, v)));
                if (page.size() > size) {
                    b.setNextPageToken(PageTokens.encode(page.get(size - 1).getVersionNumber(), order));
                }
                return b.build();
            }
        });
    }

    // ---- aliases ----

    @Override
    public void setAlias(SetAliasRequest r, StreamObserver<SetAliasResponse> out) {
        answer(out, () -> {
            Matcher ma = match("name", r.getName(), ALIAS, "models/{model}/aliases/{alias}");
            String id = ma.group(1);
            String alias = ma.group(2);
            if (!ID.matcher(alias).matches()) {
                throw invalid("name", "alias '" + alias + "' must match " + ID.pattern());
            }
            VersionName ref = VersionName.parse("version", r.getVersion());
            if (!ref.model().equals(id)) {
                throw invalid("version", "must be a version of models/" + id);
            }
            synchronized (this) {
                ModelState s = state(id);
                int target = resolve(s, ref);
                int previous = s.aliases.getOrDefault(alias, 0);
                if (r.hasExpectedVersionNumber() && previous != r.getExpectedVersionNumber()) {
                    throw Status.FAILED_PRECONDITION.withDescription("alias " + alias + " points at version " + previous
                            + ", not the expected " + r.getExpectedVersionNumber()).asRuntimeException();
                }
                s.aliases.put(alias, target);
                String name = s.model.getName() + "/aliases/" + alias;
                String previousName = previous == 0 ? "" : s.model.getName() + "/versions/" + previous;
                String targetName = s.model.getName() + "/versions/" + target;
                if (previous != target) {
                    publish(AliasMoved.newBuilder().setModel(s.model.getName()).setAlias(alias).setModelVersion(targetName)
                            .setPreviousVersion(previousName).setOccurredTime(now()).build(), id, name);
                }
                return SetAliasResponse.newBuilder().setAlias(Alias.newBuilder().setName(name).setVersion(targetName))
                        .setPreviousVersion(previousName).build();
            }
        });
    }

    // ---- state and wire types ----

    private ModelState state(String id) {
        ModelState s = models.get(id);
        if (s == null) {
            throw notFound("models/" + id);
        }
        return s;
    }

    /** The number a reference names, the model's alias resolved. */
    private static int resolve(ModelState s, VersionName ref) {
        if (ref.number() == null) {
            Integer n = s.aliases.get(ref.alias());
            if (n == null) {
                throw notFound("alias '" + ref.alias() + "' of " + s.model.getName());
            }
            return n;
        }
        if (!s.versions.containsKey(ref.number())) {
            throw notFound(ref.numbered());
        }
        return ref.number();
    }

    private static Model model(ModelState s) {
        Model.Builder b = s.model.toBuilder().setLatestVersionNumber(s.latest);
        s.aliases.forEach((a, n) -> b.putAliases(a, n));
        return b.build();
    }

    /** A version as read: with the aliases that point at it now. */
    private static ModelVersion version(ModelState s, ModelVersion v) {
        ModelVersion.Builder b = v.toBuilder();
        s.aliases.forEach((a, n) -> {
            if (n == v.getVersionNumber()) {
                b.addAliases(a);
            }
        });
        return b.build();
    }

    private static ModelMetrics metrics(CheckpointVerifier.Verified verified) {
        ModelMetrics.Builder m = ModelMetrics.newBuilder().setParams(verified.params()).setFlops(verified.flops());
        Double accuracy = verified.manifest().metrics().get("accuracy");
        if (accuracy != null) {
            m.setAccuracy(accuracy);
        }
        Double loss = verified.manifest().metrics().get("loss");
        if (loss != null) {
            m.setLoss(loss);
        }
        return m.build();
    }

    /** The engine's architecture as the contract's message: the platform's one mapping, as the registry uses it. */
    static ArchSpec arch(dev.sculptor.engine.arch.ArchSpec spec) {
        return EngineProto.arch(spec);
    }

    /** The request's lineage, null when it sets none (the manifest's is used then). */
    private static Lineage requestedLineage(CreateVersionRequest r) {
        if (!r.hasLineage() || r.getLineage().equals(Lineage.getDefaultInstance())) {
            return null;
        }
        String parent = r.getLineage().getParentVersion();
        if (!parent.isEmpty() && !PARENT.matcher(parent).matches()) {
            throw invalid("lineage.parent_version", "'" + parent + "' must be models/{model}/versions/{number}");
        }
        return r.getLineage();
    }

    /** The lineage a checkpoint's manifest records (parent, method, settings). */
    private static Lineage lineageOf(Manifest m) {
        Lineage.Builder b = Lineage.newBuilder();
        if (m.lineage() == null) {
            return b.build();
        }
        if (m.lineage().parent() != null) {
            b.setParentVersion(m.lineage().parent());
        }
        if (m.lineage().method() != null) {
            b.setMethod(m.lineage().method());
        }
        if (m.lineage().settings() != null) {
            Struct.Builder settings = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(m.lineage().settings().toString(), settings);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("manifest lineage settings are not a JSON object: " + e.getMessage(), e);
            }
            b.setSettings(settings);
        }
        return b.build();
    }

    private void publish(Message payload, String model, String subject) {
        events.publish(Topics.REGISTRY_EVENTS, EventEnvelope.of(payload, SOURCE, subject, "models/" + model));
    }

    // ---- checks, the registry's messages ----

    private static String requireId(String field, String id) {
        if (id.isEmpty()) {
            throw invalid(field, "is required");
        }
        if (!ID.matcher(id).matches()) {
            throw invalid(field, "'" + id + "' must match " + ID.pattern());
        }
        return id;
    }

    private static String modelId(String field, String name) {
        return match(field, name, MODEL, "models/{model}").group(1);
    }

    private static Matcher match(String field, String name, Pattern p, String shape) {
        if (name.isEmpty()) {
            throw invalid(field, "is required (" + shape + ")");
        }
        Matcher m = p.matcher(name);
        if (!m.matches()) {
            throw invalid(field, "'" + name + "' is not a resource name of the form " + shape);
        }
        return m;
    }

    private String prefixOf(String uri) {
        String expected = "s3://" + store.bucket() + "/";
        if (!uri.startsWith(expected) || uri.length() == expected.length()) {
            throw invalid("checkpoint.uri", "must be " + expected + "<prefix>/, got '" + uri + "'");
        }
        return uri.substring(expected.length());
    }

    private static CheckpointVerifier.Verified verify(Path dir) {
        try {
            return CheckpointVerifier.verify(dir);
        } catch (CheckpointException | IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("checkpoint rejected: " + e.getMessage()).withCause(e).asRuntimeException();
        }
    }

    static StatusRuntimeException invalid(String field, String problem) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).asRuntimeException();
    }

    static StatusRuntimeException notFound(String what) {
        return Status.NOT_FOUND.withDescription(what + " not found").asRuntimeException();
    }

    /** Runs one call and answers it; failures get the code the registry gives them. */
    private static <T> void answer(StreamObserver<T> out, Supplier<T> work) {
        T result;
        try {
            result = work.get();
        } catch (RuntimeException e) {
            out.onError(status(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    static StatusRuntimeException status(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof PlatformException p) {
            return GrpcCalls.status(p.code(), p.getMessage());
        }
        Status s = e instanceof StoreException.NotFound ? Status.NOT_FOUND
                : e instanceof StoreException.Corrupt ? Status.FAILED_PRECONDITION
                : e instanceof StoreException ? Status.UNAVAILABLE
                : Status.INTERNAL;
        String message = s == Status.INTERNAL ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
        return s.withDescription(message).withCause(e).asRuntimeException();
    }

    private static Timestamp now() {
        Instant i = Instant.now();
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("fake-registry-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory does not change any answer
        }
    }
}
