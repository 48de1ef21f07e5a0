package dev.sculptor.engine.prune;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.data.ImageDataset;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ThiNet (Luo, Wu, Lin, "ThiNet: A Filter Level Pruning Method for Deep Neural Network
 * Compression", ICCV 2017), one of the methods evaluated in "Rethinking the Value of Network
 * Pruning" (Liu et al., ICLR 2019): the filters of layer i are judged by what layer i+1 computes
 * from them, not by their own weights.
 *
 * <p>For each pruned space (the output channels of layer i) and its consumer (layer i+1), rows are
 * sampled from training images: {@code samples} images (seeded), {@code locations} random output
 * locations per image, each row with one random output channel {@code o} of layer i+1. A row's
 * per-channel contribution is {@code z_c = sum over the kernel window of W[o, c] * x_c} (for a
 * linear consumer reading a flattened map: over the {@code inRepeat} features of channel c), so
 * the output is {@code y = sum_c z_c}. ThiNet's greedy algorithm then removes, one at a time, the
 * channel that keeps {@code sum over rows of (sum_{c removed} z_c)^2} smallest, until only the
 * target count is left; the matching filters of layer i go (with {@link StructuredPruner#shrink},
 * which slices BatchNorms, coupled producers and the consumer's input alike).
 *
 * <p>With {@code refit} (the default), ThiNet's least-squares scaling follows: one scale
 * {@code w_c} per kept input channel, {@code w = argmin sum over rows (y_orig - sum_{c kept} w_c z_c)^2}
 * (normal equations, a tiny ridge towards 1), multiplies every weight of layer i+1 that reads
 * channel c. {@code y_orig} is the unpruned network's output at the same row, so the scaling also
 * compensates for layers pruned before. Layers are processed in network order (see
 * {@link SampledPruning}); the paper fine-tunes between layers, which the rethinking experiment's
 * fine-tune step does once at the end.
 *
 * <p>Ratios: one for every candidate space, per-space ones, or a preset {@code thinet-30},
 * {@code thinet-50}, {@code thinet-70} that keeps 30, 50 or 70 % of each candidate space's
 * channels (the paper's ThiNet-30/50/70 naming).
 */
public final class ThiNetPruning extends SampledPruning {
    public static final List<String> PRESETS = List.of("thinet-30", "thinet-50", "thinet-70");
    /** Ridge of the scaling refit, relative to the mean diagonal: only there for numerical safety. */
    public static final double RIDGE = 1e-6;

    /**
     * @param train the training split
     * @param preset one of {@link #PRESETS}, or null to use the ratios
     * @param ratio fraction of channels removed in every candidate space (ignored with a preset)
     * @param ratios per-space ratios overriding {@code ratio}
     * @param skip spaces left alone
     * @param samples training images sampled
     * @param locations random output locations (and output channels) per image
     * @param refit whether to refit the next layer by per-channel least-squares scaling
     * @param seed seeds the images, locations and output channels
     */
    public ThiNetPruning(ImageDataset train, String preset, double ratio, Map<String, Double> ratios, Set<String> skip,
            int samples, int locations, boolean refit, long seed) {
        super(train, checkPreset(preset), presetKeep(preset), ratio, ratios, skip, samples, locations, refit, seed, RIDGE);
    }

    /** Every candidate space at one ratio, with the default sampling and the refit. */
    public ThiNetPruning(ImageDataset train, double ratio) {
        this(train, null, ratio, Map.of(), Set.of(), DEFAULT_SAMPLES, DEFAULT_LOCATIONS, true, 1);
    }

    private static String checkPreset(String preset) {
        if (preset != null && !PRESETS.contains(preset)) {
            throw new ArchException("unknown ThiNet preset '" + preset + "' (known: " + String.join(", ", PRESETS) + ")");
        }
        return preset;
    }

    private static double presetKeep(String preset) {
        return preset == null ? Double.NaN : Integer.parseInt(preset.substring("thinet-".length())) / 100.0;
    }

    @Override
    public MethodDef def() {
        return MethodDef.THINET;
    }

    @Override
    String tag() {
        return preset != null ? preset : "thinet";
    }

    @Override
    boolean unitRows() {
        return true;
    }

    @Override
    int rowsPerImage(Layer consumer) {
        return locations;
    }

    @Override
    Decision decide(Target t, Samples s, float[] w) {
        ActivationSampler.Plan p = s.plan;
        double[][] z = contributions(p, s.patches, w);
        boolean[] removed = greedyRemove(z, p.channels() - t.keep());
        int[] kept = complement(p.channels(), removed);
        if (!refit) {
            return new Decision(kept, null);
        }
        double[] scale = scales(z, kept, s.reference);
        int blk = p.block();
        int width = p.patchSize();
        int out = t.consumer().out();
        float[] nw = new float[out * kept.length * blk];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < kept.length; i++) {
                int src = o * width + kept[i] * blk;
                int dst = (o * kept.length + i) * blk;
                for (int j = 0; j < blk; j++) {
                    nw[dst + j] = (float) (scale[i] * w[src + j]);
                }
            }
        }
        return new Decision(kept, nw);
    }

    /** {@code z[c][row]}: channel c's contribution to the row's output channel. */
    static double[][] contributions(ActivationSampler.Plan p, float[] patches, float[] w) {
        int c = p.channels();
        int blk = p.block();
        int width = p.patchSize();
        double[][] z = new double[c][p.rows()];
        for (int r = 0; r < p.rows(); r++) {
            int wb = p.unit()[r] * width;
            int pb = r * width;
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                int off = ch * blk;
                for (int j = 0; j < blk; j++) {
                    s += (double) w[wb + off + j] * patches[pb + off + j];
                }
                z[ch][r] = s;
            }
        }
        return z;
    }

    /**
     * ThiNet's greedy selection: removes {@code count} channels one at a time, each time the one
     * whose addition to the removed set gives the smallest {@code sum_rows (sum_{removed} z)^2}
     * (ties: the lower index).
     *
     * @param z {@code z[channel][row]} contributions
     * @return which channels are removed
     */
    public static boolean[] greedyRemove(double[][] z, int count) {
        int c = z.length;
        if (count < 0 || count >= c) {
            throw new IllegalArgumentException("cannot remove " + count + " of " + c + " channels");
        }
        int rows = c == 0 ? 0 : z[0].length;
        double[] sum = new double[rows];
        boolean[] removed = new boolean[c];
        for (int step = 0; step < count; step++) {
            int best = -1;
            double bestValue = Double.POSITIVE_INFINITY;
            for (int ch = 0; ch < c; ch++) {
                if (removed[ch]) {
                    continue;
                }
                double[] zc = z[ch];
                double v = 0;
                for (int r = 0; r < rows; r++) {
                    double e = sum[r] + zc[r];
                    v += e * e;
                }
                if (v < bestValue) {
                    bestValue = v;
                    best = ch;
                }
            }
            removed[best] = true;
            double[] zb = z[best];
            for (int r = 0; r < rows; r++) {
                sum[r] += zb[r];
            }
        }
        return removed;
    }

    /** Least-squares scales of the kept channels' contributions to the reference outputs. */
    static double[] scales(double[][] z, int[] kept, float[] reference) {
        int k = kept.length;
        double[][] g = new double[k][k];
        double[][] b = new double[k][1];
        double[][] prior = new double[k][1];
        for (int i = 0; i < k; i++) {
            double[] zi = z[kept[i]];
            prior[i][0] = 1;
            for (int j = i; j < k; j++) {
                double[] zj = z[kept[j]];
                double s = 0;
                for (int r = 0; r < zi.length; r++) {
                    s += zi[r] * zj[r];
                }
                g[i][j] = s;
                g[j][i] = s;
            }
            double s = 0;
            for (int r = 0; r < zi.length; r++) {
                s += zi[r] * reference[r];
            }
            b[i][0] = s;
        }
        double[][] x = LinearAlgebra.solveSpd(g, b, RIDGE, prior);
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = x[i][0];
        }
        return out;
    }
}
