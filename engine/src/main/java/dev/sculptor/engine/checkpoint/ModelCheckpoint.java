package dev.sculptor.engine.checkpoint;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a {@link Network} to a checkpoint directory and back: the manifest (architecture, metrics,
 * lineage, training state, SHA-256 of every part) beside {@code params.bin}, {@code masks.bin} for
 * weight-level pruning and {@code optimizer.bin} for resuming. Written to a staging directory and
 * swapped in atomically, so a crash never leaves a half-written checkpoint under the final name.
 */
public final class ModelCheckpoint {
    private ModelCheckpoint() {}

    /** What the caller adds to a checkpoint besides the tensors. */
    /**
     * @param kept the keep map of the pruning that made the model, recorded in the manifest ({@link Manifest#kept()});
     *     null for a model that is no pruning's direct output
     */
    public record Info(Manifest.Lineage lineage, Map<String, Double> metrics, Map<String, int[]> kept) {
        public static final Info EMPTY = new Info(null, Map.of());

        public Info(Manifest.Lineage lineage, Map<String, Double> metrics) {
            this(lineage, metrics, null);
        }

        public Info {
            // insertion order is kept so manifests list metrics stably; NaN has no JSON form
            Map<String, Double> finite = new LinkedHashMap<>();
            metrics.forEach((k, v) -> {
                if (v != null && Double.isFinite(v)) {
                    finite.put(k, v);
                }
            });
            metrics = java.util.Collections.unmodifiableMap(finite);
        }

        public Info withMetrics(Map<String, Double> m) {
            return new Info(lineage, m, kept);
        }
    }

    /** A loaded checkpoint; the caller owns (and closes) the network. */
    public record Loaded(Network network, Manifest manifest, List<Tensor> optimizer) {}

    public static void save(Path dir, Network net, Info info, JsonObject training, List<Tensor> optimizer) {
        Path staging = CheckpointDir.newStagingDir(dir);
        try {
            writeStaged(staging, net, info, training, optimizer);
            CheckpointDir.replaceAtomically(staging, dir);
        } catch (RuntimeException e) {
            deleteQuietly(staging);
            throw e;
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException ignored) {
            // best effort: a leftover staging directory is hidden and harmless
        }
    }

    private static void writeStaged(Path staging, Network net, Info info, JsonObject training, List<Tensor> optimizer) {
        boolean masked = !net.masks().isEmpty();
        Map<String, Path> parts = new LinkedHashMap<>();
        Path params = staging.resolve(CheckpointDir.PARAMS);
        TensorFile.write(params, net.exportTensors(), masked);
        parts.put(CheckpointDir.PARAMS, params);
        if (masked) {
            Path masks = staging.resolve(CheckpointDir.MASKS);
            TensorFile.write(masks, net.exportMasks(), true);
            parts.put(CheckpointDir.MASKS, masks);
        }
        if (optimizer != null) {
            Path opt = staging.resolve(CheckpointDir.OPTIMIZER);
            TensorFile.write(opt, optimizer, false);
            parts.put(CheckpointDir.OPTIMIZER, opt);
        }
        Manifest.Builder b = Manifest.builder()
                .createdAt(Instant.now())
                .arch(net.spec().toJsonTree().getAsJsonObject())
                .metrics(info.metrics())
                .lineage(info.lineage())
                .kept(info.kept());
        if (training != null) {
            b.training(training);
        }
        CheckpointDir.write(staging, b.build(), parts);
    }

    /** Verifies hashes, rebuilds the architecture and loads every tensor, checking shapes. */
    public static Loaded load(Path dir) {
        Manifest m = CheckpointDir.readVerified(dir);
        ArchSpec spec = archOf(dir, m);
        Network net = Network.create(spec, 0);
        try {
            List<Tensor> opt = fill(dir, m, net);
            return new Loaded(net, m, opt);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * Loads a checkpoint into an existing network of the same architecture (resume). Returns the
     * manifest and the optimizer state (null when the checkpoint has none).
     */
    public static Loaded loadInto(Path dir, Network net) {
        Manifest m = CheckpointDir.readVerified(dir);
        ArchSpec spec = archOf(dir, m);
        if (!spec.withName(net.spec().name()).equals(net.spec())) {
            throw new CheckpointException(dir + ": checkpoint holds architecture " + spec.name()
                    + " which differs from the network being trained (" + net.spec().name() + ")");
        }
        return new Loaded(net, m, fill(dir, m, net));
    }

    private static ArchSpec archOf(Path dir, Manifest m) {
        try {
            return ArchSpec.fromJson(m.arch());
        } catch (ArchException e) {
            throw new CheckpointException(dir.resolve(CheckpointDir.MANIFEST) + ": " + e.getMessage());
        }
    }

    private static List<Tensor> fill(Path dir, Manifest m, Network net) {
        try {
            net.importTensors(TensorFile.read(dir.resolve(CheckpointDir.PARAMS)), dir.resolve(CheckpointDir.PARAMS).toString());
            if (m.parts().containsKey(CheckpointDir.MASKS)) {
                net.importMasks(TensorFile.read(dir.resolve(CheckpointDir.MASKS)), dir.resolve(CheckpointDir.MASKS).toString());
            }
        } catch (ArchException e) {
            throw new CheckpointException(e.getMessage());
        }
        return m.parts().containsKey(CheckpointDir.OPTIMIZER) ? TensorFile.read(dir.resolve(CheckpointDir.OPTIMIZER)) : null;
    }
}
