package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Unstructured weight-level pruning (Han, Pool, Tran, Dally, "Learning both Weights and
 * Connections for Efficient Neural Networks", NeurIPS 2015): one global magnitude threshold over
 * all conv weights (optionally linear ones too); pruned weights are held at zero by masks through
 * any further training, and FLOPs count only the surviving weights.
 */
public final class WeightLevelPruning implements PruningMethod {
    private final double percent;
    private final boolean includeLinear;

    public WeightLevelPruning(double percent, boolean includeLinear) {
        if (!(percent >= 0 && percent < 1)) {
            throw new ArchException("weight-level percent must be in [0, 1), got " + percent);
        }
        this.percent = percent;
        this.includeLinear = includeLinear;
    }

    @Override
    public String name() {
        return "weight";
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("percent", percent);
        o.addProperty("includeLinear", includeLinear);
        return o;
    }

    /** Names of the weight tensors this method masks. */
    public List<String> targets(Network net) {
        List<String> out = new ArrayList<>();
        for (Layer l : net.graph().layers()) {
            if (l.kind() == Layer.Kind.CONV || (includeLinear && l.kind() == Layer.Kind.LINEAR)) {
                out.add(l.name() + ".weight");
            }
        }
        return out;
    }

    @Override
    public PruneResult prune(Network trained) {
        long t0 = System.nanoTime();
        List<String> names = targets(trained);
        List<float[]> values = new ArrayList<>();
        int total = 0;
        for (String n : names) {
            float[] w = trained.array(n).toFloatArray();
            NDArray existing = trained.masks().get(n);
            if (existing != null) {
                float[] m = existing.toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] *= m[i];
                }
            }
            values.add(w);
            total += w.length;
        }
        float[] mags = new float[total];
        int p = 0;
        for (float[] w : values) {
            for (float v : w) {
                mags[p++] = Math.abs(v);
            }
        }
        Arrays.sort(mags);
        float threshold = percent == 0 ? -1f : mags[Math.min((int) (total * percent), total - 1)];
        Network out = Network.create(trained.spec().withName(trained.spec().name() + "-w" + Math.round(percent * 100)),
                0, trained.device());
        out.importTensors(trained.exportTensors(), "pruning input");
        try (NDManager m = out.manager().newSubManager()) {
            for (int i = 0; i < names.size(); i++) {
                float[] w = values.get(i);
                float[] mask = new float[w.length];
                for (int j = 0; j < w.length; j++) {
                    mask[j] = Math.abs(w[j]) > threshold ? 1f : 0f;
                }
                out.setMask(names.get(i), m.create(mask, trained.array(names.get(i)).getShape()));
            }
        }
        return new PruneResult(out, Map.of(), name(), settings(), (System.nanoTime() - t0) / 1e9);
    }

    /** Masks as tensors (1 = kept), e.g. to re-apply to a freshly initialised network. */
    public static List<Tensor> masksOf(Network net) {
        return net.exportMasks();
    }
}
