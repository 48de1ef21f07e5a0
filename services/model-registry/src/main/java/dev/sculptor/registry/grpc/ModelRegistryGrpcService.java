package dev.sculptor.registry.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.sculptor.api.v1.Alias;
import dev.sculptor.api.v1.CheckpointChunk;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DeleteAliasRequest;
import dev.sculptor.api.v1.DeleteModelRequest;
import dev.sculptor.api.v1.DeleteVersionRequest;
import dev.sculptor.api.v1.DownloadVersionRequest;
import dev.sculptor.api.v1.DownloadVersionResponse;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.ListAliasesRequest;
import dev.sculptor.api.v1.ListAliasesResponse;
import dev.sculptor.api.v1.ListModelsRequest;
import dev.sculptor.api.v1.ListModelsResponse;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.ListVersionsResponse;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelRegistry;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.SetAliasRequest;
import dev.sculptor.api.v1.SetAliasResponse;
import dev.sculptor.api.v1.UpdateModelRequest;
import dev.sculptor.api.v1.UpdateVersionRequest;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.api.v1.UploadVersionRequest;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.platform.grpc.PageTokens;
import dev.sculptor.platform.names.AliasName;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.platform.store.WorkDirs;
import dev.sculptor.registry.events.RegistryEvents;
import dev.sculptor.registry.service.RegistryService;
import dev.sculptor.registry.store.ModelRow;
import dev.sculptor.registry.store.RegistryRepository;
import dev.sculptor.registry.store.VersionRow;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The ModelRegistry gRPC API: validation, names and wire types around {@link RegistryService}. */
@GrpcService
public class ModelRegistryGrpcService implements ModelRegistry {
    private static final Logger LOG = Logger.getLogger(ModelRegistryGrpcService.class);
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");
    private static final int CHUNK = 1 << 20;
    /** ListModels: a substring of the id, the display name, a label by key. */
    static final ListFilter.Fields MODEL_FILTER = ListFilter.fields("display_name")
            .withCondition("name", "name LIKE '%' || ? || '%'")
            .withMap("labels", "labels ->> ? = ?", k -> k);
    /** ListVersions: a tag, the state (every listed version is READY), a lineage field by its contract name. */
    static final ListFilter.Fields VERSION_FILTER = ListFilter.fields()
            .withCondition("tags", "? = ANY(tags)")
            .withCondition("state", "'READY' = ?")
            .withMap("lineage", "lineage ->> ? = ?", ModelRegistryGrpcService::camel);

    @Inject
    RegistryService service;

    @Inject
    RegistryRepository repo;

    @Inject
    CheckpointStore store;

    @ConfigProperty(name = "sculptor.registry.max-upload-bytes", defaultValue = "2147483648")
    long maxUploadBytes;

    // ---- models ----

    @Override
    @Blocking
    public Uni<Model> createModel(CreateModelRequest r) {
        return call(() -> {
            Model m = r.getModel();
            String id = ResourceNames.checkNewId("model_id", r.getModelId());
            return Mapper.model(service.createModel(id, m.getDisplayName(), m.getDescription(), m.getLabelsMap(),
                    row -> RegistryEvents.modelCreated(row.id(), row.displayName(), row.labels())));
        });
    }

    @Override
    @Blocking
    public Uni<Model> getModel(GetModelRequest r) {
        return call(() -> Mapper.model(repo.getModel(ResourceNames.MODELS.id("name", r.getName()))));
    }

    @Override
    @Blocking
    public Uni<ListModelsResponse> listModels(ListModelsRequest r) {
        return call(() -> {
            int size = PageTokens.pageSize(r.getPageSize());
            ListFilter filter = MODEL_FILTER.parse(r.getFilter());
            List<ModelRow> rows = repo.listModels(size + 1, PageTokens.decode(r.getPageToken(), r.getFilter()), filter);
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            rows.stream().limit(size).forEach(m -> b.addModels(Mapper.model(m)));
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(rows.get(size - 1).id(), r.getFilter()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public Uni<Model> updateModel(UpdateModelRequest r) {
        return call(() -> {
            String id = ResourceNames.MODELS.id("model.name", r.getModel().getName());
            Set<String> paths = mask(r.getUpdateMask().getPathsList(), Set.of("display_name", "description", "labels"));
            Model m = r.getModel();
            return Mapper.model(repo.updateModel(id, paths.contains("display_name") ? m.getDisplayName() : null,
                    paths.contains("description") ? m.getDescription() : null, paths.contains("labels") ? m.getLabelsMap() : null));
        });
    }

    @Override
    @Blocking
    public Uni<Empty> deleteModel(DeleteModelRequest r) {
        return call(() -> {
            String id = ResourceNames.MODELS.id("name", r.getName());
            service.after(repo.deleteModel(id, r.getForce(), (row, versions) -> RegistryEvents.modelDeleted(row.id(),
                    versions.stream().map(VersionRow::name).toList(), row.aliases())));
            store.deletePrefix("models/" + id + "/versions/");
            return Empty.getDefaultInstance();
        });
    }

    // ---- versions ----

    @Override
    public Uni<ModelVersion> uploadVersion(Multi<UploadVersionRequest> requests) {
        Path dir = service.tempDir();
        Upload up = new Upload(dir, maxUploadBytes);
        return requests.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem().invoke(up::accept)
                .collect().last()
                .map(ignored -> {
                    up.finish();
                    UploadVersionHeader h = up.header;
                    String model = ResourceNames.MODELS.id("header.parent", h.getParent());
                    RegistryService.Staged staged = service.verify(dir, "");
                    // an upload's manifest metrics are the uploader's claims: the platform measured none of them
                    VersionRow v = service.register(model, staged, new RegistryService.Registration(true, h.getDescription(),
                            h.getTagsList(), h.hasLineage() ? Mapper.lineageJson(h.getLineage()) : null,
                            blankToNull(h.getRequestId()), null), false,
                            row -> RegistryEvents.versionRegistered(model, toProto(row)));
                    return toProto(v);
                })
                .onFailure().transform(ModelRegistryGrpcService::status)
                .onTermination().invoke(() -> WorkDirs.deleteTree(dir));
    }

    /** Receives the chunks of an upload into a directory, checking names, order, size and digests. */
    static final class Upload {
        final Path dir;
        final long max;
        UploadVersionHeader header;
        String currentPart;
        OutputStream out;
        MessageDigest digest;
        long partBytes;
        long total;
        final Set<String> done = new java.util.HashSet<>();

        Upload(Path dir, long max) {
            this.dir = dir;
            this.max = max;
        }

        void accept(UploadVersionRequest r) {
            try {
                if (r.hasHeader()) {
                    if (header != null) {
                        throw PlatformException.invalid("header", "sent twice; it must be the first message only");
                    }
                    header = r.getHeader();
                    ResourceNames.MODELS.id("header.parent", header.getParent());
                    if (header.getTotalBytes() > max) {
                        throw PlatformException.invalid("header.total_bytes", header.getTotalBytes()
                                + " bytes exceed the limit of " + max);
                    }
                    if (header.getTotalBytes() < 0) {
                        throw PlatformException.invalid("header.total_bytes", "must be >= 0 (0: not given), got "
                                + header.getTotalBytes());
                    }
                    return;
                }
                if (header == null) {
                    throw PlatformException.invalid("header", "the first message must carry the header");
                }
                CheckpointChunk c = r.getChunk();
                if (!PART.matcher(c.getPart()).matches()) {
                    throw PlatformException.invalid("chunk.part", ResourceNames.quote(c.getPart()) + " is not a plain file name");
                }
                if (!c.getPart().equals(currentPart)) {
                    if (currentPart != null) {
                        throw PlatformException.invalid("chunk.part", "file " + currentPart
                                + " ended without a chunk marked last before " + c.getPart() + " started");
                    }
                    if (done.contains(c.getPart())) {
                        throw PlatformException.invalid("chunk.part", "file " + c.getPart() + " sent twice");
                    }
                    currentPart = c.getPart();
                    out = Files.newOutputStream(dir.resolve(currentPart), StandardOpenOption.CREATE_NEW);
                    digest = MessageDigest.getInstance("SHA-256");
                    partBytes = 0;
                }
                if (c.getOffset() != partBytes) {
                    throw PlatformException.invalid("chunk.offset", "file " + currentPart + " expected offset " + partBytes
                            + ", got " + c.getOffset());
                }
                total += c.getData().size();
                if (total > max) {
                    throw PlatformException.invalid("chunk", "upload exceeds the limit of " + max + " bytes");
                }
                if (header.getTotalBytes() > 0 && total > header.getTotalBytes()) {
                    throw PlatformException.invalid("header.total_bytes", "expected " + header.getTotalBytes()
                            + " bytes, received more (" + total + " so far, at file " + c.getPart() + ")");
                }
                c.getData().writeTo(out);
                digest.update(c.getData().asReadOnlyByteBuffer());
                partBytes += c.getData().size();
                if (c.getLast()) {
                    out.close();
                    String sha = HexFormat.of().formatHex(digest.digest());
                    if (!c.getSha256().isEmpty() && !c.getSha256().equalsIgnoreCase(sha)) {
                        throw PlatformException.invalid("chunk.sha256", "file " + currentPart + " arrived with SHA-256 " + sha
                                + " but the client sent " + c.getSha256() + ": corrupted in transit");
                    }
                    done.add(currentPart);
                    currentPart = null;
                    out = null;
                }
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                // the exception's text names this server's temp directory: the client hears of its own file only
                LOG.warnf(e, "upload into %s failed", dir);
                throw new PlatformException(PlatformException.Code.UNAVAILABLE, "cannot store the upload"
                        + (currentPart == null ? "" : " of file " + currentPart) + " on the server; try again", e);
            }
        }

        void finish() {
            if (header == null) {
                throw PlatformException.invalid("header", "the stream carried no header");
            }
            if (currentPart != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // rejected anyway
                }
                throw PlatformException.invalid("chunk", "file " + currentPart + " ended without a chunk marked last");
            }
            if (!done.contains("manifest.json")) {
                throw PlatformException.invalid("chunk", "no manifest.json was uploaded");
            }
            if (header.getTotalBytes() > 0 && total != header.getTotalBytes()) {
                throw PlatformException.invalid("header.total_bytes", "expected " + header.getTotalBytes() + " bytes, received "
                        + total);
            }
        }
    }

    @Override
    @Blocking
    public Uni<ModelVersion> createVersion(CreateVersionRequest r) {
        return call(() -> {
            String model = ResourceNames.MODELS.id("parent", r.getParent());
            VersionRow v = service.registerFromStore(model, r.getCheckpoint().getUri(), new RegistryService.Registration(false,
                    r.getDescription(), r.getTagsList(), r.hasLineage() ? Mapper.lineageJson(r.getLineage()) : null,
                    blankToNull(r.getRequestId()), blankToNull(r.getCheckpoint().getManifestSha256())),
                    row -> RegistryEvents.versionRegistered(model, toProto(row)));
            return toProto(v);
        });
    }

    @Override
    @Blocking
    public Uni<ModelVersion> getVersion(GetVersionRequest r) {
        return call(() -> toProto(resolve("name", r.getName())));
    }

    @Override
    @Blocking
    public Uni<ListVersionsResponse> listVersions(ListVersionsRequest r) {
        return call(() -> {
            String model = ResourceNames.MODELS.id("parent", r.getParent());
            int size = PageTokens.pageSize(r.getPageSize());
            ListFilter filter = VERSION_FILTER.parse(r.getFilter());
            String order = r.getOrderBy().trim().replaceAll("\\s+", " ");
            if (!order.isEmpty() && !order.equals("version_number desc") && !order.equals("version_number")) {
                throw PlatformException.invalid("order_by", "supported: 'version_number desc' (the default) or 'version_number', got "
                        + ResourceNames.quote(r.getOrderBy()));
            }
            boolean newestFirst = !order.equals("version_number");
            long token = PageTokens.decodeLong(r.getPageToken(), r.getFilter());
            if (token < 0 || token > Integer.MAX_VALUE) {
                throw PlatformException.invalid("page_token", "is not a token this API returned");
            }
            int after = (int) token;
            List<VersionRow> rows = repo.listVersions(model, size + 1, after, newestFirst, filter);
            Map<String, Integer> aliases = repo.getModel(model).aliases();
            ListVersionsResponse.Builder b = ListVersionsResponse.newBuilder();
            rows.stream().limit(size).forEach(v -> b.addVersions(Mapper.version(v, store.bucket(), aliases)));
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(rows.get(size - 1).number(), r.getFilter()));
            }
            return b.build();
        });
    }

    @Override
    @Blocking
    public Uni<ModelVersion> updateVersion(UpdateVersionRequest r) {
        return call(() -> {
            VersionName ref = VersionName.parse("version.name", r.getVersion().getName());
            if (ref.number() == null) {
                throw PlatformException.invalid("version.name", "must name a version by number");
            }
            Set<String> paths = mask(r.getUpdateMask().getPathsList(), Set.of("description", "tags"));
            return toProto(repo.updateVersion(ref.model(), ref.number(),
                    paths.contains("description") ? r.getVersion().getDescription() : null,
                    paths.contains("tags") ? Mapper.copy(r.getVersion().getTagsList()) : null));
        });
    }

    @Override
    @Blocking
    public Uni<Empty> deleteVersion(DeleteVersionRequest r) {
        return call(() -> {
            VersionName ref = VersionName.parse("name", r.getName());
            if (ref.number() == null) {
                throw PlatformException.invalid("name", "must name a version by number, not by alias");
            }
            service.deleteVersion(ref.model(), ref.number(), r.getForce(), (row, aliases) -> {
                List<dev.sculptor.registry.store.Outgoing> out = new ArrayList<>();
                aliases.forEach(a -> out.addAll(RegistryEvents.aliasMoved(ref.model(), a, null, row.name())));
                out.addAll(RegistryEvents.versionDeleted(ref.model(), row.name()));
                return out;
            });
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public Multi<DownloadVersionResponse> downloadVersion(DownloadVersionRequest r) {
        return Multi.createFrom().<DownloadVersionResponse>emitter(em -> {
            try {
                VersionRow v = resolve("name", r.getName());
                em.emit(DownloadVersionResponse.newBuilder().setVersion(toProto(v)).build());
                List<String> parts = service.parts(v);
                if (!r.getPartsList().isEmpty()) {
                    for (String p : r.getPartsList()) {
                        if (!parts.contains(p)) {
                            throw PlatformException.invalid("parts", ResourceNames.quote(p) + " is not a file of " + v.name() + " " + parts);
                        }
                    }
                    parts = r.getPartsList();
                }
                for (String part : parts) {
                    String key = v.checkpointPrefix() + part;
                    String expected = store.sha256Of(key);
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    long offset = 0;
                    byte[] buf = new byte[CHUNK];
                    try (InputStream in = store.open(key)) {
                        int n;
                        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                            md.update(buf, 0, n);
                            em.emit(DownloadVersionResponse.newBuilder().setChunk(CheckpointChunk.newBuilder().setPart(part)
                                    .setOffset(offset).setData(ByteString.copyFrom(buf, 0, n))).build());
                            offset += n;
                        }
                    }
                    String sha = HexFormat.of().formatHex(md.digest());
                    if (expected != null && !expected.equals(sha)) {
                        throw PlatformException.precondition(store.uri(key)
                                + ": SHA-256 mismatch in the store (recorded " + expected + ", read " + sha + ")");
                    }
                    em.emit(DownloadVersionResponse.newBuilder().setChunk(CheckpointChunk.newBuilder().setPart(part)
                            .setOffset(offset).setData(ByteString.EMPTY).setLast(true).setSha256(sha)).build());
                }
                em.complete();
            } catch (Exception e) {
                em.fail(status(e));
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    // ---- aliases ----

    @Override
    @Blocking
    public Uni<SetAliasResponse> setAlias(SetAliasRequest r) {
        return call(() -> {
            AliasName a = AliasName.parse("name", r.getName());
            if (!ResourceNames.NEW_ID.matcher(a.alias()).matches()) {
                throw PlatformException.invalid("name", "alias '" + a.alias() + "' must match " + ResourceNames.NEW_ID.pattern());
            }
            VersionName ref = VersionName.parse("version", r.getVersion());
            if (!ref.model().equals(a.model())) {
                throw PlatformException.invalid("version", "must be a version of models/" + a.model());
            }
            int target = ref.number() != null ? ref.number() : repo.resolveAlias(ref.model(), ref.alias()).number();
            int previous = service.after(repo.setAlias(a.model(), a.alias(), target,
                    r.hasExpectedVersionNumber() ? Long.valueOf(r.getExpectedVersionNumber()) : null, prev -> RegistryEvents.aliasMoved(
                    a.model(), a.alias(), a.version(target).name(), prev == 0 ? null : a.version(prev).name())));
            return SetAliasResponse.newBuilder().setAlias(alias(a.model(), a.alias(), target))
                    .setPreviousVersion(previous == 0 ? "" : a.version(previous).name()).build();
        });
    }

    @Override
    @Blocking
    public Uni<Empty> deleteAlias(DeleteAliasRequest r) {
        return call(() -> {
            AliasName a = AliasName.parse("name", r.getName());
            service.after(repo.deleteAlias(a.model(), a.alias(), prev -> RegistryEvents.aliasMoved(a.model(), a.alias(), null,
                    a.version(prev).name())));
            return Empty.getDefaultInstance();
        });
    }

    @Override
    @Blocking
    public Uni<ListAliasesResponse> listAliases(ListAliasesRequest r) {
        return call(() -> {
            String model = ResourceNames.MODELS.id("parent", r.getParent());
            int size = PageTokens.pageSize(r.getPageSize());
            String after = PageTokens.decode(r.getPageToken(), "");
            List<Map.Entry<String, Integer>> all = new ArrayList<>(repo.getModel(model).aliases().entrySet());
            ListAliasesResponse.Builder b = ListAliasesResponse.newBuilder();
            List<Map.Entry<String, Integer>> page = all.stream().filter(e -> e.getKey().compareTo(after) > 0).limit(size + 1L)
                    .toList();
            page.stream().limit(size).forEach(e -> b.addAliases(alias(model, e.getKey(), e.getValue())));
            if (page.size() > size) {
                b.setNextPageToken(PageTokens.encode(page.get(size - 1).getKey(), ""));
            }
            return b.build();
        });
    }

    private static Alias alias(String model, String alias, int number) {
        return Alias.newBuilder().setName(new AliasName(model, alias).name()).setVersion(VersionName.of(model, number).name()).build();
    }

    // ---- lineage ----

    @Override
    @Blocking
    public Uni<GetLineageResponse> getLineage(GetLineageRequest r) {
        return call(() -> {
            VersionRow v = resolve("name", r.getName());
            if (r.getMaxDepth() < 0) {
                throw PlatformException.invalid("max_depth", "must be >= 0");
            }
            int depth = r.getMaxDepth() == 0 ? 10 : Math.min(r.getMaxDepth(), 100);
            List<RegistryService.LineageEntry> chain = service.lineage(v.model(), v.number(), depth + 1);
            GetLineageResponse.Builder b = GetLineageResponse.newBuilder();
            chain.stream().limit(depth).forEach(x -> b.addVersions(x.deleted() ? Mapper.deleted(x.name()) : toProto(x.version())));
            b.setTruncated(chain.size() > depth);
            return b.build();
        });
    }

    // ---- helpers ----

    private VersionRow resolve(String field, String name) {
        VersionName ref = VersionName.parse(field, name);
        return ref.number() != null ? repo.getVersion(ref.model(), ref.number()) : repo.resolveAlias(ref.model(), ref.alias());
    }

    private ModelVersion toProto(VersionRow v) {
        return Mapper.version(v, store.bucket(), repo.getModel(v.model()).aliases());
    }

    static Set<String> mask(List<String> paths, Set<String> allowed) {
        if (paths.isEmpty()) {
            return allowed;
        }
        for (String p : paths) {
            if (!allowed.contains(p)) {
                throw PlatformException.invalid("update_mask", "path '" + p + "' cannot be updated (allowed: "
                        + new java.util.TreeSet<>(allowed) + ")");
            }
        }
        return Set.copyOf(paths);
    }

    /** Contract field names (snake_case) to the stored lineage JSON's names. */
    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : snake.toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return b.toString();
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static <T> Uni<T> call(Supplier<T> work) {
        return GrpcCalls.call(work, ModelRegistryGrpcService::status);
    }

    /** Canonical gRPC status for an error, with the message naming what was wrong. */
    static Throwable status(Throwable e) {
        return GrpcCalls.status(e, ModelRegistryGrpcService::classify, LOG);
    }

    /**
     * An architecture the engine refuses is the request's mistake; everything else as the platform
     * sorts it. No message names this server's temp directories (of uploads, of fetched checkpoints).
     */
    static PlatformException classify(Throwable e) {
        PlatformException c = e instanceof ArchException
                ? new PlatformException(PlatformException.Code.INVALID_ARGUMENT, e.getMessage(), e) : Failures.classify(e);
        String text = RegistryService.withoutTempPaths(c.getMessage());
        return java.util.Objects.equals(text, c.getMessage()) ? c : new PlatformException(c.code(), text, e);
    }
}
