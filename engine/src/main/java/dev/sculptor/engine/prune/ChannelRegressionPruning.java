package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.data.ImageDataset;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Channel pruning by LASSO regression and least-squares reconstruction (He, Zhang, Sun, "Channel
 * Pruning for Accelerating Very Deep Neural Networks", ICCV 2017), one of the methods evaluated in
 * "Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019).
 *
 * <p>For each pruned space (the output channels of layer i) and its consumer (layer i+1), rows are
 * sampled from training images: {@code samples} images (seeded) and {@code locations} random
 * output locations per image for a conv consumer (one row per image for a linear one); a row holds
 * every output channel of layer i+1. The contribution of input channel c is {@code Z_c[row, o] =
 * sum over the kernel window of W[o, c] * x_c}, and the response {@code Y} is the unpruned
 * network's output at the same row (without bias). Channel selection solves the non-negative LASSO
 * {@code min ||Y - sum_c beta_c Z_c||^2 + lambda ||beta||_1, beta >= 0} (coordinate descent on
 * the normalised Gram matrix of the {@code Z_c}), bisecting {@code lambda} until exactly the target
 * count of betas is non-zero; when the path jumps over the target, the largest betas of the last
 * solution with too many non-zeros are kept.
 *
 * <p>Reconstruction ({@code refit}, the default): layer i+1's weights on the kept channels are
 * refitted by linear least squares so its outputs on the sampled rows match {@code Y}: the
 * {@code k x k} windows (or {@code inRepeat} features) of the kept input channels are the
 * regressors, and the normal equations are solved in double precision by Cholesky with a small
 * ridge ({@link #RIDGE} of the mean diagonal) that pulls towards the original weights, so
 * directions the samples do not determine keep their trained values. Without refit the kept
 * weights are only sliced. The paper alternates selection and reconstruction; one pass of each is
 * done here.
 *
 * <p>Layers are processed in network order and each sees the network with the earlier layers
 * already pruned and reconstructed, while {@code Y} always comes from the unpruned network (the
 * paper's multi-layer scheme, which compensates accumulated error); see {@link SampledPruning}.
 */
public final class ChannelRegressionPruning extends SampledPruning {
    /** Ridge of the reconstruction, relative to the mean diagonal of its normal equations. */
    public static final double RIDGE = 1e-3;

    /**
     * @param train the training split
     * @param ratio fraction of channels removed in every candidate space
     * @param ratios per-space ratios overriding {@code ratio}
     * @param skip spaces left alone
     * @param samples training images sampled
     * @param locations random output locations per image (conv consumers)
     * @param refit whether to reconstruct the next layer by least squares
     * @param seed seeds the images and locations
     */
    public ChannelRegressionPruning(ImageDataset train, double ratio, Map<String, Double> ratios, Set<String> skip,
            int samples, int locations, boolean refit, long seed) {
        this(train, ratio, ratios, skip, samples, locations, refit, seed, RIDGE);
    }

    /** As above with an explicit reconstruction ridge. */
    public ChannelRegressionPruning(ImageDataset train, double ratio, Map<String, Double> ratios, Set<String> skip,
            int samples, int locations, boolean refit, long seed, double ridge) {
        super(train, null, Double.NaN, ratio, ratios, skip, samples, locations, refit, seed, ridge);
    }

    /** Every candidate space at one ratio, with the default sampling and the reconstruction. */
    public ChannelRegressionPruning(ImageDataset train, double ratio) {
        this(train, ratio, Map.of(), Set.of(), DEFAULT_SAMPLES, DEFAULT_LOCATIONS, true, 1);
    }

    @Override
    public MethodDef def() {
        return MethodDef.REGRESSION;
    }

    @Override
    String tag() {
        return "regression";
    }

    @Override
    boolean unitRows() {
        return false;
    }

    @Override
    int rowsPerImage(Layer consumer) {
        return consumer.kind() == Layer.Kind.CONV ? locations : 1;
    }

    @Override
    void addSettings(JsonObject o) {
        o.addProperty("selection", "non-negative LASSO, lambda by bisection");
    }

    @Override
    Decision decide(Target t, Samples s, float[] w) {
        ActivationSampler.Plan p = s.plan;
        int c = p.channels();
        int blk = p.block();
        int width = p.patchSize();
        int out = t.consumer().out();
        int rows = p.rows();
        // Gram matrix of the channel contributions Z_c over all (row, output) pairs, and Z_c . Y
        double[][] g = new double[c][c];
        double[] zy = new double[c];
        double[] zo = new double[c];
        float[] x = s.patches;
        float[] y = s.reference;
        for (int r = 0; r < rows; r++) {
            int pb = r * width;
            for (int o = 0; o < out; o++) {
                int wb = o * width;
                double target = y[r * out + o];
                for (int ch = 0; ch < c; ch++) {
                    double v = 0;
                    int off = ch * blk;
                    for (int j = 0; j < blk; j++) {
                        v += (double) w[wb + off + j] * x[pb + off + j];
                    }
                    zo[ch] = v;
                    zy[ch] += v * target;
                }
                LinearAlgebra.addOuter(g, zo);
            }
        }
        LinearAlgebra.symmetrise(g);
        double pairs = Math.max(1.0, (double) rows * out);
        for (int i = 0; i < c; i++) {
            zy[i] /= pairs;
            for (int j = 0; j < c; j++) {
                g[i][j] /= pairs;
            }
        }
        int[] kept = lassoSelect(g, zy, t.keep());
        if (!refit) {
            return new Decision(kept, null);
        }
        return new Decision(kept, reconstruct(p, x, y, w, kept, ridge));
    }

    /**
     * The consumer's weights on the kept channels ({@code out x kept x block}, row-major) that best
     * reproduce the reference outputs from the sampled patches, by ridge least squares towards the
     * original weights.
     */
    static float[] reconstruct(ActivationSampler.Plan p, float[] patches, float[] reference, float[] w, int[] kept,
            double ridge) {
        int blk = p.block();
        int width = p.patchSize();
        int out = p.layer().out();
        int d = kept.length * blk;
        double[][] a = new double[d][d];
        double[][] b = new double[d][out];
        double[] xr = new double[d];
        for (int r = 0; r < p.rows(); r++) {
            int pb = r * width;
            for (int i = 0; i < kept.length; i++) {
                int src = pb + kept[i] * blk;
                for (int j = 0; j < blk; j++) {
                    xr[i * blk + j] = patches[src + j];
                }
            }
            LinearAlgebra.addOuter(a, xr);
            int yb = r * out;
            for (int i = 0; i < d; i++) {
                double v = xr[i];
                if (v == 0) {
                    continue;
                }
                double[] bi = b[i];
                for (int o = 0; o < out; o++) {
                    bi[o] += v * reference[yb + o];
                }
            }
        }
        LinearAlgebra.symmetrise(a);
        double[][] prior = new double[d][out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < kept.length; i++) {
                for (int j = 0; j < blk; j++) {
                    prior[i * blk + j][o] = w[o * width + kept[i] * blk + j];
                }
            }
        }
        double[][] sol = LinearAlgebra.solveSpd(a, b, ridge, prior);
        float[] nw = new float[out * d];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < d; i++) {
                nw[o * d + i] = (float) sol[i][o];
            }
        }
        return nw;
    }

    /**
     * LASSO channel selection: the {@code target} channels whose non-negative coefficients stay
     * non-zero longest as {@code lambda} grows. {@code lambda} is bisected between 0 and the value
     * at which every coefficient is zero ({@code 2 max(b)}) until exactly {@code target} are
     * non-zero; if that count is skipped, the {@code target} largest coefficients of the last
     * solution with more non-zeros are kept (ties: channels that contribute at all, then larger
     * {@code b}, then the lower index).
     *
     * @param g Gram matrix {@code Z^T Z} of the channel contributions
     * @param b {@code Z^T y}
     * @return kept channel positions, increasing
     */
    public static int[] lassoSelect(double[][] g, double[] b, int target) {
        int c = b.length;
        if (target <= 0 || target > c) {
            throw new IllegalArgumentException("cannot keep " + target + " of " + c + " channels");
        }
        double[] lo = LinearAlgebra.nonNegativeLasso(g, b, 0, null);
        if (target == c || nonZero(lo) <= target) {
            return rank(lo, b, g, target);
        }
        double lambdaLo = 0;
        double lambdaHi = 0;
        for (double v : b) {
            lambdaHi = Math.max(lambdaHi, 2 * v);
        }
        for (int it = 0; it < 100 && lambdaHi - lambdaLo > 1e-13 * lambdaHi; it++) {
            double mid = (lambdaLo + lambdaHi) / 2;
            double[] beta = LinearAlgebra.nonNegativeLasso(g, b, mid, lo);
            int n = nonZero(beta);
            if (n == target) {
                return rank(beta, b, g, target);
            }
            if (n > target) {
                lambdaLo = mid;
                lo = beta;
            } else {
                lambdaHi = mid;
            }
        }
        return rank(lo, b, g, target);
    }

    private static int nonZero(double[] beta) {
        int n = 0;
        for (double v : beta) {
            n += v > 0 ? 1 : 0;
        }
        return n;
    }

    /** Largest beta first; ties: channels that contribute at all, then larger b, then lower index. */
    private static int[] rank(double[] beta, double[] b, double[][] g, int target) {
        Integer[] order = new Integer[beta.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> beta[i] != beta[j] ? Double.compare(beta[j], beta[i])
                : (g[i][i] > 0) != (g[j][j] > 0) ? (g[i][i] > 0 ? -1 : 1)
                : b[i] != b[j] ? Double.compare(b[j], b[i]) : Integer.compare(i, j));
        int[] kept = new int[target];
        for (int i = 0; i < target; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
