package dev.sculptor.engine.checkpoint;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.LayerGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a checkpoint directory without building the network (no native engine needed, so
 * services can verify uploads cheaply): the manifest parses, every part has its recorded size and
 * SHA-256, the architecture is valid, and the tensors are exactly the ones it needs, with the right
 * shapes; masks hold only 0 and 1.
 */
public final class CheckpointVerifier {
    private CheckpointVerifier() {}

    /** What a verified checkpoint holds. */
    public record Verified(Manifest manifest, ArchSpec arch, long params, long flops, long bytes) {}

    public static Verified verify(Path dir) {
        Manifest m = CheckpointDir.readVerified(dir);
        ArchSpec spec;
        try {
            spec = ArchSpec.fromJson(m.arch());
        } catch (ArchException e) {
            throw new CheckpointException(dir.resolve(CheckpointDir.MANIFEST) + ": " + e.getMessage());
        }
        if (!m.parts().containsKey(CheckpointDir.PARAMS)) {
            throw new CheckpointException(dir.resolve(CheckpointDir.MANIFEST) + ": lists no " + CheckpointDir.PARAMS);
        }
        LayerGraph g = LayerGraph.of(spec);
        Map<String, long[]> expected = g.tensorShapes();
        Path params = dir.resolve(CheckpointDir.PARAMS);
        List<Tensor> tensors = TensorFile.read(params);
        Map<String, Tensor> byName = new LinkedHashMap<>();
        tensors.forEach(t -> byName.put(t.name(), t));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = byName.remove(e.getKey());
            if (t == null) {
                problems.add("missing tensor " + e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add(e.getKey() + " has shape " + Arrays.toString(t.shape()) + " but the architecture expects "
                        + Arrays.toString(e.getValue()));
            }
        }
        byName.keySet().forEach(n -> problems.add("unexpected tensor " + n));
        if (!problems.isEmpty()) {
            throw new CheckpointException(params + ": does not fit " + spec.name() + ": "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
        }
        long params0 = g.params();
        long flops = g.macs();
        if (m.parts().containsKey(CheckpointDir.MASKS)) {
            Path masks = dir.resolve(CheckpointDir.MASKS);
            for (Tensor t : TensorFile.read(masks)) {
                long[] shape = expected.get(t.name());
                if (shape == null || !t.name().endsWith(".weight") || !Arrays.equals(shape, t.shape())) {
                    throw new CheckpointException(masks + ": mask " + t.name() + " does not match a weight of " + spec.name());
                }
                long nz = 0;
                for (float v : t.data()) {
                    if (v != 0f && v != 1f) {
                        throw new CheckpointException(masks + ": mask " + t.name() + " holds " + v + " (only 0 and 1 allowed)");
                    }
                    nz += v == 1f ? 1 : 0;
                }
                String layer = t.name().substring(0, t.name().length() - ".weight".length());
                long dense = t.size();
                params0 += nz - dense;
                flops += (nz - dense) * g.layer(layer).positions();
            }
        }
        long bytes = m.parts().values().stream().mapToLong(Manifest.PartInfo::bytes).sum();
        return new Verified(m, spec, params0, flops, bytes);
    }
}
