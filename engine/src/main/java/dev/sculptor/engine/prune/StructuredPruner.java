package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import java.util.Map;

/**
 * Physical shrinking: builds the narrower network and copies the kept slices of every affected
 * tensor (conv outputs and inputs, BatchNorm scales, shifts and running statistics, linear inputs,
 * and every producer of a coupled space, a ResNet's residual streams included where {@code LayerGraph.shrink}
 * accepts them: nested across its zero-padding shortcuts). The shrunk network in eval mode computes exactly what the
 * original computes with the removed channels forced to zero ({@code StructuredPrunerTest}).
 */
public final class StructuredPruner {
    private StructuredPruner() {}

    /**
     * @param keep kept channel positions per channel space (increasing); unnamed spaces keep all
     */
    public static Network shrink(Network src, Map<String, int[]> keep, String newName) {
        LayerGraph old = src.graph();
        keep = old.withSelections(keep); // a PreResNet's selections follow a narrowed stream
        ArchSpec spec = old.shrink(keep, newName);
        Network dst = Network.create(spec, 0, src.device());
        try (NDManager m = src.manager().newSubManager()) {
            for (Layer l : old.layers()) {
                int[] outIdx = l.outSpace() == null ? null : keep.get(l.outSpace());
                int[] inIdx = l.inSpace() == null ? null : expand(keep.get(l.inSpace()), l.inRepeat());
                for (String suffix : l.tensorShapes().keySet()) {
                    String name = l.name() + "." + suffix;
                    boolean weight = suffix.equals("weight");
                    NDArray slice = slice(m, src.array(name), outIdx, weight ? inIdx : null);
                    dst.array(name).set(slice.toByteBuffer());
                    NDArray mask = src.masks().get(name);
                    if (mask != null) {
                        dst.setMask(name, slice(m, mask, outIdx, inIdx));
                    }
                }
            }
        }
        return dst;
    }

    /** Every array made here is attached to {@code m}, which the caller closes. */
    private static NDArray slice(NDManager m, NDArray a, int[] outIdx, int[] inIdx) {
        NDArray r = a.duplicate();
        r.attach(m);
        if (outIdx != null) {
            r = r.get(new NDIndex("{}", m.create(outIdx).toType(DataType.INT64, false)));
            r.attach(m);
        }
        if (inIdx != null) {
            r = r.get(new NDIndex(":, {}", m.create(inIdx).toType(DataType.INT64, false)));
            r.attach(m);
        }
        return r;
    }

    /** Channel positions to feature positions of a flattened C x (H*W) input. */
    static int[] expand(int[] channels, int repeat) {
        if (channels == null || repeat == 1) {
            return channels;
        }
        int[] out = new int[channels.length * repeat];
        for (int i = 0; i < channels.length; i++) {
            for (int p = 0; p < repeat; p++) {
                out[i * repeat + p] = channels[i] * repeat + p;
            }
        }
        return out;
    }
}
