package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Sha256;
import dev.sculptor.engine.checkpoint.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pruning method produced.
 *
 * @param network the pruned network (narrower for structured methods, masked for weight-level)
 * @param kept kept channel positions per pruned space (empty for weight-level)
 * @param method method name
 * @param settings the settings used, for lineage
 * @param seconds time spent scoring and pruning
 */
public record PruneResult(Network network, Map<String, int[]> kept, String method, JsonObject settings, double seconds) {

    /**
     * SHA-256 of what the method chose: the kept channels per space and the weight masks (as kept/masked bits). A
     * retrained step inherits this beyond the method's settings, so a step trained after another choice (the same
     * settings, but a method whose code now chooses otherwise) must not be reused. Refitted weights are left out on
     * purpose: their last bits differ between machines while the choice does not.
     */
    public String decision() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF("kept");
            for (Map.Entry<String, int[]> e : new TreeMap<>(kept == null ? Map.<String, int[]>of() : kept).entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (int c : e.getValue()) {
                    out.writeInt(c);
                }
            }
            out.writeUTF("masks");
            for (Tensor m : network.exportMasks().stream().sorted(Comparator.comparing(Tensor::name)).toList()) {
                out.writeUTF(m.name());
                out.writeInt(m.data().length);
                for (float v : m.data()) {
                    out.writeBoolean(v != 0f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sha256.of(bytes.toByteArray());
    }
}
