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
    public MethodDef def() {
        return MethodDef.WEIGHT_LEVEL;
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
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        List<String> names = targets(trained);
        List<float[]> values = effectiveWeights(trained, names);
        int total = values.stream().mapToInt(w -> w.length).sum();
        float[] mags = new float[total];
        int p = 0;
        for (float[] w : values) {
            for (float v : w) {
                mags[p++] = Math.abs(v);
            }
        }
        Arrays.sort(mags);
        float threshold = percent == 0 ? -1f : mags[Math.min((int) (total * percent), total - 1)];
        List<PrunePlan.MaskedTensor> tensors = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            float[] w = values.get(i);
            double sum = 0;
            float max = 0;
            long pruned = 0;
            for (float v : w) {
                float a = Math.abs(v);
                sum += a;
                max = Math.max(max, a);
                pruned += a > threshold ? 0 : 1;
            }
            tensors.add(new PrunePlan.MaskedTensor(names.get(i), w.length, trained.nonZero(names.get(i)), pruned,
                    w.length == 0 ? 0 : (float) (sum / w.length), max));
        }
        return new PrunePlan(def().id(), trained.spec().name(), trained.spec().name() + "-w" + Math.round(percent * 100),
                settings(), Map.of(), Map.of(), Map.of(), List.of(), new PrunePlan.Masks(threshold, tensors),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The weights of the named tensors as they act: multiplied by any mask they already carry. */
    private static List<float[]> effectiveWeights(Network net, List<String> names) {
        List<float[]> values = new ArrayList<>();
        for (String n : names) {
            float[] w = net.array(n).toFloatArray();
            NDArray existing = net.masks().get(n);
            if (existing != null) {
                float[] m = existing.toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] *= m[i];
                }
            }
            values.add(w);
        }
        return values;
    }

    /**
     * A copy of {@code trained} with the plan's masks: 1 where a weight's magnitude (after any earlier mask) is above
     * the threshold. Masks of tensors the plan does not name are not carried over.
     */
    static Network mask(Network trained, PrunePlan plan) {
        List<String> names = plan.masks().tensors().stream().map(PrunePlan.MaskedTensor::tensor).toList();
        float threshold = plan.masks().threshold();
        List<float[]> values = effectiveWeights(trained, names);
        Network out = Network.create(trained.spec().withName(plan.pruned()), 0, trained.device());
        try {
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
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Masks as tensors (1 = kept), e.g. to re-apply to a freshly initialised network. */
    public static List<Tensor> masksOf(Network net) {
        return net.exportMasks();
    }
}
