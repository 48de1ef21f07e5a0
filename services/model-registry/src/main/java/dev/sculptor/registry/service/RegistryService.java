package dev.sculptor.registry.service;

import com.google.gson.JsonObject;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The registry's rules: ids, verification before visibility, where checkpoint objects live, and
 * the lineage walk. Wire types stay in the gRPC layer; rows stay in the repository.
 */
@ApplicationScoped
public class RegistryService {
    private static final Logger LOG = Logger.getLogger(RegistryService.class);
    @Inject
    RegistryRepository repo;

    @Inject
    CheckpointStore store;

    @Inject
    OutboxRunner outbox;

    /** A verified checkpoint waiting for its version number. */
    public record Staged(Path dir, CheckpointVerifier.Verified verified) {}

    public ModelRow createModel(String id, String displayName, String description, Map<String, String> labels,
            Function<ModelRow, List<Outgoing>> events) {
        ResourceNames.checkNewId("model_id", id);
        return after(repo.createModel(id, displayName == null ? "" : displayName, description == null ? "" : description,
                labels == null ? Map.of() : labels, events));
    }

    /** Verifies a checkpoint directory; a bad one is INVALID_ARGUMENT naming the problem. */
    public Staged verify(Path dir) {
        try {
            return new Staged(dir, CheckpointVerifier.verify(dir));
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new PlatformException(Code.INVALID_ARGUMENT, "checkpoint rejected: " + e.getMessage(), e);
        }
    }

    /**
     * Registers a verified checkpoint as the model's next version: the parts are uploaded to a
     * staging prefix first (no lock held), then copied into {@code models/{model}/versions/{n}/}
     * inside the numbering transaction; nothing is visible unless all of it succeeded.
     */
    public VersionRow register(String model, Staged staged, String description, List<String> tags, String lineageJson,
            String requestId, Function<VersionRow, List<Outgoing>> events) {
        ResourceNames.checkNewId("model", model);
        repo.getModel(model);
        if (requestId != null) {
            VersionRow earlier = repo.findByRequestId(model, requestId);
            if (earlier != null) {
                return earlier;
            }
        }
        String staging = "staging/" + UUID.randomUUID() + "/";
        List<String> finalPrefix = new ArrayList<>();
        try {
            store.putDirectory(staged.dir(), staging);
            Manifest m = staged.verified().manifest();
            String sha = CheckpointStore.sha256(staged.dir().resolve("manifest.json"));
            Map<String, Double> metrics = new LinkedHashMap<>(m.metrics());
            VersionRow row = repo.registerVersion(model, requestId, number -> {
                String prefix = "models/" + model + "/versions/" + number + "/";
                finalPrefix.add(prefix);
                // objects a deleted model of the same id may have left there must not mix in
                store.deletePrefix(prefix);
                store.copyPrefix(staging, prefix);
                return new VersionRow(model, number, description == null ? "" : description, tags == null ? List.of() : tags,
                        staged.verified().arch().toJson(), metrics, lineageJson != null ? lineageJson : lineageOf(m),
                        prefix, sha, staged.verified().bytes(), staged.verified().params(), staged.verified().flops(), null);
            }, events);
            return after(row);
        } catch (RuntimeException e) {
            // the transaction rolled back: remove objects it may have placed
            finalPrefix.forEach(p -> quietly(() -> store.deletePrefix(p)));
            throw e;
        } finally {
            quietly(() -> store.deletePrefix(staging));
        }
    }

    /** Registers a checkpoint already in the store ({@code s3://bucket/prefix/}). */
    public VersionRow registerFromStore(String model, String uri, String expectedManifestSha256, String description,
            List<String> tags, String lineageJson, String requestId, Function<VersionRow, List<Outgoing>> events) {
        String prefix = prefixOf(uri);
        Path tmp = tempDir();
        try {
            store.getDirectory(prefix, tmp);
            if (expectedManifestSha256 != null && java.nio.file.Files.exists(tmp.resolve("manifest.json"))) {
                String sha = CheckpointStore.sha256(tmp.resolve("manifest.json"));
                if (!sha.equalsIgnoreCase(expectedManifestSha256)) {
                    throw PlatformException.invalid("checkpoint.manifest_sha256", "the manifest at " + uri + " has SHA-256 "
                            + sha + ", not " + expectedManifestSha256);
                }
            }
            return register(model, verify(tmp), description, tags, lineageJson, requestId, events);
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
            o.addProperty("parentVersion", m.lineage().parent());
        }
        if (m.lineage().method() != null) {
            o.addProperty("method", m.lineage().method());
        }
        if (m.lineage().settings() != null) {
            o.add("settings", m.lineage().settings());
        }
        return o.toString();
    }

    /** The chain from a version up through its parents, at most {@code depth} long. */
    public List<VersionRow> lineage(String model, int number, int depth) {
        List<VersionRow> chain = new ArrayList<>();
        VersionRow v = repo.getVersion(model, number);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (v != null && chain.size() < depth && seen.add(v.name())) {
            chain.add(v);
            String parent = parentOf(v);
            v = null;
            VersionName p = numberedOrNull(parent);
            if (p != null) {
                try {
                    v = repo.getVersion(p.model(), p.number());
                } catch (PlatformException e) {
                    if (e.code() != Code.NOT_FOUND) {
                        throw e;
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
        JsonObject o = com.google.gson.JsonParser.parseString(v.lineageJson()).getAsJsonObject();
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
        return WorkDirs.createTemp(Path.of(System.getProperty("java.io.tmpdir")), "sculptor-upload-");
    }

    static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warnf("cleanup failed: %s", e.getMessage());
        }
    }
}
