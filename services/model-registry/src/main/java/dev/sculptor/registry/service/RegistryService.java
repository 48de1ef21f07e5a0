package dev.sculptor.registry.service;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.CheckpointVerifier;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.WorkDirs;
import dev.sculptor.registry.events.OutboxRunner;
import dev.sculptor.registry.store.ModelRow;
import dev.sculptor.registry.store.Outgoing;
import dev.sculptor.registry.store.RegistryRepository;
import dev.sculptor.registry.store.VersionRow;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The registry's rules: ids, verification before visibility, where checkpoint objects live, and
 * the lineage walk. Wire types stay in the gRPC layer; rows stay in the repository.
 */
@ApplicationScoped
public class RegistryService {
    private static final Logger LOG = Logger.getLogger(RegistryService.class);
    private static final Gson GSON = new Gson();
    private static final String TEMP_PREFIX = "sculptor-upload-";
    /** A path into one of this service's temp directories, with the file name after it if any. */
    private static final Pattern TEMP_PATH = Pattern.compile("(?:/[^\\s:'\"/]+)*/" + TEMP_PREFIX + "[^\\s:'\"/]*/?");

    @Inject
    RegistryRepository repo;

    @Inject
    CheckpointStore store;

    @Inject
    OutboxRunner outbox;

    /**
     * Prefixes of the bucket that only the platform's own services write (training runs, prune
     * jobs): a manifest's metrics there were measured by the platform. Anywhere else they are claims.
     */
    @ConfigProperty(name = "sculptor.registry.measured-prefixes", defaultValue = "runs/,jobs/")
    List<String> measuredPrefixes;

    /** A verified checkpoint waiting for its version number. */
    public record Staged(Path dir, CheckpointVerifier.Verified verified) {}

    /**
     * What a registration asks for, as a retry with the same request id must ask for it again
     * (AIP-155): the RPC, the description, the tags and the lineage given (null: the manifest's),
     * and the checkpoint (an upload's files; for CreateVersion only {@code manifestSha256} when
     * given, never the source URI, which a retried producer may change).
     *
     * @param manifestSha256 CreateVersion's {@code checkpoint.manifest_sha256}, or null
     */
    public record Registration(boolean upload, String description, List<String> tags, String lineageJson, String requestId,
            String manifestSha256) {
        public Registration {
            description = description == null ? "" : description;
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        /** The request's fields, each as a digest, keyed by field. */
        Map<String, String> fingerprint() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("rpc", upload ? "UploadVersion" : "CreateVersion");
            f.put("description", sha256(description));
            f.put("tags", sha256(GSON.toJson(tags)));
            f.put("lineage", sha256(lineageJson == null ? "" : canonical(JsonParser.parseString(lineageJson)).toString()));
            return f;
        }

        /** A field's name in the request, as the client knows it. */
        String field(String f) {
            return upload ? "header." + f : f;
        }
    }

    public ModelRow createModel(String id, String displayName, String description, Map<String, String> labels,
            Function<ModelRow, List<Outgoing>> events) {
        ResourceNames.checkNewId("model_id", id);
        return after(repo.createModel(id, displayName == null ? "" : displayName, description == null ? "" : description,
                labels == null ? Map.of() : labels, events));
    }

    /**
     * Verifies a checkpoint directory; a bad one is INVALID_ARGUMENT naming the problem, with its
     * files named as the client knows them ({@code shownAs} + file name), never by this server's path.
     */
    public Staged verify(Path dir, String shownAs) {
        try {
            return new Staged(dir, CheckpointVerifier.verify(dir));
        } catch (CheckpointException | IllegalArgumentException | java.io.UncheckedIOException e) {
            String text = String.valueOf(e.getMessage()).replace(dir + "/", shownAs).replace(dir.toString(),
                    shownAs.isEmpty() ? "the upload" : shownAs);
            throw new PlatformException(Code.INVALID_ARGUMENT, "checkpoint rejected: " + withoutTempPaths(text), e);
        }
    }

    /** A message with any path into this service's temp directories cut down to the file name the client sent. */
    public static String withoutTempPaths(String message) {
        return message == null ? null : TEMP_PATH.matcher(message).replaceAll("");
    }

    /**
     * Registers a verified checkpoint as the model's next version: the parts are uploaded to a
     * staging prefix first (no lock held), then copied into {@code models/{model}/versions/{n}/}
     * inside the numbering transaction; nothing is visible unless all of it succeeded. The
     * manifest's metrics become the version's {@code metrics} only when {@code measured} (the
     * platform wrote the checkpoint), and its {@code claimedMetrics} otherwise.
     */
    public VersionRow register(String model, Staged staged, Registration r, boolean measured,
            Function<VersionRow, List<Outgoing>> events) {
        ResourceNames.checkNewId("model", model);
        repo.getModel(model);
        String sha = CheckpointStore.sha256(staged.dir().resolve("manifest.json"));
        if (r.requestId() != null) {
            RegistryRepository.Earlier earlier = repo.findByRequestId(model, r.requestId());
            if (earlier != null) {
                return sameRequest(earlier, r, sha);
            }
        }
        String staging = "staging/" + UUID.randomUUID() + "/";
        List<String> finalPrefix = new ArrayList<>();
        try {
            store.putDirectory(staged.dir(), staging);
            Manifest m = staged.verified().manifest();
            Map<String, Double> metrics = measured ? new LinkedHashMap<>(m.metrics()) : Map.of();
            Map<String, Double> claimed = measured ? Map.of() : new LinkedHashMap<>(m.metrics());
            String lineage = r.lineageJson() != null ? r.lineageJson() : lineageOf(m);
            VersionRow row = repo.registerVersion(model, r.requestId(), r.fingerprint(), number -> {
                String prefix = "models/" + model + "/versions/" + number + "/";
                finalPrefix.add(prefix);
                // objects a deleted model of the same id may have left there must not mix in
                store.deletePrefix(prefix);
                store.copyPrefix(staging, prefix);
                return new VersionRow(model, number, r.description(), r.tags(), staged.verified().arch().toJson(), metrics, claimed,
                        lineage, prefix, sha, staged.verified().bytes(), staged.verified().params(), staged.verified().flops(), null);
            }, earlier -> sameRequest(earlier, r, sha), events);
            return after(row);
        } catch (RuntimeException e) {
            // the transaction rolled back: remove objects it may have placed
            finalPrefix.forEach(p -> quietly(() -> store.deletePrefix(p)));
            throw e;
        } finally {
            quietly(() -> store.deletePrefix(staging));
        }
    }

    /**
     * The version an earlier registration with the same request id created, when this one asks for
     * the same; otherwise ALREADY_EXISTS naming the fields that differ (AIP-155). Registrations
     * recorded before fingerprints were kept are compared by their checkpoint only.
     */
    static VersionRow sameRequest(RegistryRepository.Earlier earlier, Registration r, String uploadedManifestSha256) {
        List<String> differ = new ArrayList<>();
        Map<String, String> before = earlier.fingerprint();
        if (before != null) {
            if (!r.fingerprint().get("rpc").equals(before.get("rpc"))) {
                throw new PlatformException(Code.ALREADY_EXISTS, r.field("request_id") + ": '" + r.requestId() + "' was used by "
                        + before.get("rpc") + " for " + earlier.version().name() + "; use a new request_id for a different request");
            }
            r.fingerprint().forEach((k, v) -> {
                if (!k.equals("rpc") && !v.equals(before.get(k))) {
                    differ.add(r.field(k));
                }
            });
        }
        String sha = r.upload() ? uploadedManifestSha256 : r.manifestSha256();
        if (sha != null && !sha.equalsIgnoreCase(earlier.version().manifestSha256())) {
            differ.add(r.upload() ? "the checkpoint (its manifest.json)" : "checkpoint.manifest_sha256");
        }
        if (!differ.isEmpty()) {
            throw new PlatformException(Code.ALREADY_EXISTS, r.field("request_id") + ": '" + r.requestId() + "' was used for "
                    + earlier.version().name() + " by a request with a different " + String.join(", ", differ)
                    + "; use a new request_id for a different request");
        }
        return earlier.version();
    }

    /** Registers a checkpoint already in the store ({@code s3://bucket/prefix/}). */
    public VersionRow registerFromStore(String model, String uri, Registration r, Function<VersionRow, List<Outgoing>> events) {
        String prefix = prefixOf(uri);
        if (r.requestId() != null) {
            // a retry is answered before the checkpoint is fetched again
            RegistryRepository.Earlier earlier = repo.findByRequestId(model, r.requestId());
            if (earlier != null) {
                return sameRequest(earlier, r, null);
            }
        }
        boolean measured = measuredPrefixes.stream().anyMatch(p -> !p.isBlank() && prefix.startsWith(p.trim()));
        Path tmp = tempDir();
        try {
            store.getDirectory(prefix, tmp);
            if (r.manifestSha256() != null && java.nio.file.Files.exists(tmp.resolve("manifest.json"))) {
                String sha = CheckpointStore.sha256(tmp.resolve("manifest.json"));
                if (!sha.equalsIgnoreCase(r.manifestSha256())) {
                    throw PlatformException.invalid("checkpoint.manifest_sha256", "the manifest at " + uri + " has SHA-256 "
                            + sha + ", not " + r.manifestSha256());
                }
            }
            return register(model, verify(tmp, uri.endsWith("/") ? uri : uri + "/"), r, measured, events);
        } finally {
            WorkDirs.deleteTree(tmp);
        }
    }

    String prefixOf(String uri) {
        String expected = "s3://" + store.bucket() + "/";
        if (uri == null || !uri.startsWith(expected) || uri.length() == expected.length()) {
            throw PlatformException.invalid("checkpoint.uri", "must be " + expected + "<prefix>/, got '" + uri + "'");
        }
        return uri.substring(expected.length());
    }

    /** Lineage recorded in the manifest (parent, method, settings), as stored JSON. */
    static String lineageOf(Manifest m) {
        if (m.lineage() == null) {
            return null;
        }
        JsonObject o = new JsonObject();
        if (m.lineage().parent() != null) {
            // a numbered version's canonical name, so DeleteVersion finds its children
            VersionName p = numberedOrNull(m.lineage().parent());
            o.addProperty("parentVersion", p != null ? p.name() : m.lineage().parent());
        }
        if (m.lineage().method() != null) {
            o.addProperty("method", m.lineage().method());
        }
        if (m.lineage().settings() != null) {
            o.add("settings", m.lineage().settings());
        }
        return o.toString();
    }

    /** One step of a lineage chain: a stored version, or the name of a parent that no longer exists. */
    public record LineageEntry(String name, VersionRow version) {
        public boolean deleted() {
            return version == null;
        }
    }

    /**
     * The chain from a version up through its parents, at most {@code depth} long. A parent that was
     * deleted (alone, or with its model) ends the chain as an entry of its name alone, so a chain
     * never stops short without saying why.
     */
    public List<LineageEntry> lineage(String model, int number, int depth) {
        List<LineageEntry> chain = new ArrayList<>();
        VersionRow v = repo.getVersion(model, number);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (v != null && chain.size() < depth && seen.add(v.name())) {
            chain.add(new LineageEntry(v.name(), v));
            VersionName p = numberedOrNull(parentOf(v));
            v = null;
            if (p != null) {
                try {
                    v = repo.getVersion(p.model(), p.number());
                } catch (PlatformException e) {
                    if (e.code() != Code.NOT_FOUND) {
                        throw e;
                    }
                    if (chain.size() < depth) {
                        chain.add(new LineageEntry(p.name(), null));
                    }
                }
            }
        }
        return chain;
    }

    static String parentOf(VersionRow v) {
        if (v.lineageJson() == null) {
            return null;
        }
        JsonObject o = JsonParser.parseString(v.lineageJson()).getAsJsonObject();
        return o.has("parentVersion") ? o.get("parentVersion").getAsString() : null;
    }

    public VersionRow deleteVersion(String model, int number, boolean force,
            java.util.function.BiFunction<VersionRow, List<String>, List<Outgoing>> events) {
        VersionRow v = after(repo.deleteVersion(model, number, force, events));
        quietly(() -> store.deletePrefix(v.checkpointPrefix()));
        return v;
    }

    /** Names and object keys of a version's checkpoint parts, manifest first. */
    public List<String> parts(VersionRow v) {
        List<String> names = new ArrayList<>(store.list(v.checkpointPrefix()));
        names.sort((a, b) -> a.equals("manifest.json") ? -1 : b.equals("manifest.json") ? 1 : a.compareTo(b));
        return names;
    }

    /** A numbered version's name, or null for anything else (a lineage parent that names none). */
    private static VersionName numberedOrNull(String name) {
        try {
            VersionName v = name == null ? null : VersionName.parse("lineage.parent_version", name);
            return v != null && v.number() != null ? v : null;
        } catch (PlatformException e) {
            return null;
        }
    }

    /** Nudges the outbox publisher after a commit so events leave at once. */
    public <T> T after(T committed) {
        outbox.wakeUp();
        return committed;
    }

    /** A new directory for an upload. */
    public Path tempDir() {
        return WorkDirs.createTemp(Path.of(System.getProperty("java.io.tmpdir")), TEMP_PREFIX);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** JSON with every object's keys sorted, so equal content gives equal text whatever the key order. */
    static JsonElement canonical(JsonElement e) {
        if (e.isJsonObject()) {
            JsonObject out = new JsonObject();
            new TreeMap<>(e.getAsJsonObject().asMap()).forEach((k, v) -> out.add(k, canonical(v)));
            return out;
        }
        if (e.isJsonArray()) {
            JsonArray out = new JsonArray();
            e.getAsJsonArray().forEach(x -> out.add(canonical(x)));
            return out;
        }
        return e;
    }

    static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warnf("cleanup failed: %s", e.getMessage());
        }
    }
}
