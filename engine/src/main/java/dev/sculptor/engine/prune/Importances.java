package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import java.util.LinkedHashMap;
import java.util.Map;

/** The channel importances of the first-part methods. */
public final class Importances {
    private Importances() {}

    /**
     * Sum of absolute filter weights, per output channel, summed over all producers of the space
     * (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017).
     */
    public static Importance l1FilterNorm() {
        return net -> {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                if (s.producers().isEmpty()) {
                    continue; // selection spaces have no filters of their own
                }
                float[] score = new float[s.size()];
                for (String producer : s.producers()) {
                    NDArray w = net.array(producer + ".weight");
                    float[] norms;
                    try (NDArray abs = w.abs(); NDArray flat = abs.reshape(w.getShape().get(0), -1);
                            NDArray sum = flat.sum(new int[] {1})) {
                        norms = sum.toFloatArray();
                    }
                    for (int i = 0; i < score.length; i++) {
                        score[i] += norms[i];
                    }
                }
                out.put(s.id(), score);
            }
            return out;
        };
    }

    /**
     * Absolute BatchNorm scale gating each channel (Liu et al., "Learning Efficient Convolutional
     * Networks through Network Slimming", ICCV 2017).
     */
    public static Importance bnScale() {
        return net -> {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                if (s.bn() == null) {
                    continue;
                }
                float[] gamma = net.array(s.bn() + ".gamma").toFloatArray();
                float[] score = new float[s.size()];
                for (int i = 0; i < score.length; i++) {
                    score[i] = Math.abs(gamma[s.bnChannel(i)]);
                }
                out.put(s.id(), score);
            }
            return out;
        };
    }
}
