package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.data.ImageDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * every output channel of layer i+1. With {@code X_c} the sampled inputs of channel c (its
 * {@code k x k} windows, or {@code inRepeat} features) and {@code W_c} the consumer's weights on
 * it, channel c contributes {@code Z_c = X_c W_c^T}; the response {@code Y} is the unpruned
 * network's output at the same rows (without bias). The paper's problem is
 * {@code min over beta, W of ||Y - sum_c beta_c X_c W_c^T||^2 + lambda ||beta||_1} subject to
 * {@code ||beta||_0 <= c'} and {@code ||W_c||_F = 1}.
 *
 * <p>Selection and reconstruction alternate, as the paper does (Section 3.1): (i) with W fixed,
 * beta is the LASSO solution (coordinate descent on the Gram matrix of the {@code Z_c}, signed, as
 * the paper and its released code, {@code sklearn.linear_model.Lasso}); (ii) with the selected
 * channels fixed, W is the least-squares fit of {@code Y} on their inputs, renormalised so each
 * {@code ||W_c||_F = 1} with beta taking the scale. {@code lambda} is raised in stages, each
 * bisected (W fixed) so that half of the channels still above the target go, and at each stage
 * (i) and (ii) are repeated until the selected set is stable (at most {@link #MAX_ALTERNATIONS}
 * rounds); a channel whose beta reaches zero stays removed, as in the released code, so the loop
 * ends. The last stage asks for exactly the target; if the LASSO path skips that count, the
 * largest |beta| of the last solution with too many non-zeros are kept. The final step is the
 * least-squares reconstruction on the kept channels ({@code refit}, the default): its normal
 * equations are solved in double precision by Cholesky with a small ridge ({@link #RIDGE} of the
 * mean diagonal) that pulls towards the trained weights, so directions the samples do not
 * determine keep their trained values. Without {@code refit} there is nothing to alternate with:
 * one LASSO selection with the trained weights, which are then only sliced.
 *
 * <p>Every quantity is computed from the sampled inputs' second moments {@code X^T X} and
 * {@code X^T Y} (once per layer), so an alternation round costs no pass over the samples.
 *
 * <p>Layers are processed in network order and each sees the network with the earlier layers
 * already pruned and reconstructed, while {@code Y} always comes from the unpruned network (the
 * paper's multi-layer scheme, which compensates accumulated error); see {@link SampledPruning}.
 */
public final class ChannelRegressionPruning extends SampledPruning {
    /** Ridge of the reconstruction, relative to the mean diagonal of its normal equations. */
    public static final double RIDGE = 1e-3;
    /** Selection/reconstruction rounds at one lambda before it is raised anyway (the released code's 10). */
    public static final int MAX_ALTERNATIONS = 10;

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
        o.addProperty("selection", refit
                ? "LASSO (||W_c||_F = 1) alternated with least-squares reconstruction, lambda raised in stages"
                : "LASSO with the trained weights (||W_c||_F = 1), lambda by bisection");
    }


    @Override
    Decision decide(Target t, Samples s, float[] w) {
        ActivationSampler.Plan p = s.plan;
        Moments m = Moments.of(p.channels(), p.block(), t.consumer().out(), p.rows(), s.patches, s.reference);
        if (!refit) {
            Design z = design(m, channelWeights(m, w), identity(m.c));
            return new Decision(lassoSelect(z.g, z.b, t.keep()), null);
        }
        Selection sel = alternate(m, w, t.keep(), ridge);
        return new Decision(sel.kept(), sel.weights());
    }

    /**
     * Second moments of one consumer's samples over all input channels: {@code xx = X^T X}
     * ({@code d x d}, {@code d = c * block}) and {@code xy = X^T Y} ({@code d x out}), in double.
     */
    record Moments(int c, int blk, int out, double[][] xx, double[][] xy) {
        static Moments of(int c, int blk, int out, int rows, float[] patches, float[] reference) {
            int d = c * blk;
            if (patches.length != (long) rows * d || reference.length != (long) rows * out) {
                throw new IllegalArgumentException("samples do not match " + rows + " rows of " + c + " channels x "
                        + blk + " inputs and " + out + " outputs: " + patches.length + " inputs, " + reference.length
                        + " outputs");
            }
            double[][] xx = new double[d][d];
            double[][] xy = new double[d][out];
            double[] xr = new double[d];
            for (int r = 0; r < rows; r++) {
                int pb = r * d;
                for (int i = 0; i < d; i++) {
                    xr[i] = patches[pb + i];
                }
                LinearAlgebra.addOuter(xx, xr);
                int yb = r * out;
                for (int i = 0; i < d; i++) {
                    double v = xr[i];
                    if (v == 0) {
                        continue;
                    }
                    double[] xi = xy[i];
                    for (int o = 0; o < out; o++) {
                        xi[o] += v * reference[yb + o];
                    }
                }
            }
            LinearAlgebra.symmetrise(xx);
            return new Moments(c, blk, out, xx, xy);
        }
    }

    /** The LASSO's Gram matrix {@code Z^T Z} and {@code Z^T Y} over some channels. */
    record Design(double[][] g, double[] b) {}

    /** The kept channels (increasing) and the consumer's final weights ({@code out x kept x block}). */
    record Selection(int[] kept, float[] weights) {}

    /** A LASSO solution with a given count of non-zeros: the kept positions (increasing) and its lambda. */
    record Path(int[] kept, double lambda) {}

    /** Consumer weights ({@code out x c x block}, row-major) as one row per input channel: {@code [c][out * block]}. */
    static double[][] channelWeights(Moments m, float[] w) {
        int width = m.c * m.blk;
        if (w.length != m.out * width) {
            throw new IllegalArgumentException("weights have " + w.length + " entries, expected " + m.out + " x " + width);
        }
        double[][] cw = new double[m.c][m.out * m.blk];
        for (int o = 0; o < m.out; o++) {
            for (int i = 0; i < m.c; i++) {
                for (int j = 0; j < m.blk; j++) {
                    cw[i][o * m.blk + j] = w[o * width + i * m.blk + j];
                }
            }
        }
        return cw;
    }

    /**
     * The LASSO design of the given channels with their weights scaled to {@code ||W_c||_F = 1}:
     * {@code g[a][b] = sum over rows and outputs of Z_a Z_b} and {@code b[a] = sum of Z_a Y}, with
     * {@code Z_c = X_c W_c^T / ||W_c||_F}. The paper normalises so: the product {@code beta_c W_c}
     * is all that reaches the output, so without fixing the scale of {@code W_c} the penalty on
     * beta could be dodged by growing {@code W_c} (the trivial solution the paper names), and the
     * betas of successive rounds, after each refit, would not be comparable. (The released code
     * instead holds each {@code ||W_c||_F} at its trained value; that is the same problem with the
     * L1 penalty of channel c weighted by {@code 1 / ||W_c||_F}.) A channel whose weights are
     * zero contributes nothing: its row and column are zero. "Zero" is relative: a least-squares refit
     * leaves a channel the output ignores with weights of rounding size (1e-7 of the others), which
     * the normalisation would blow up into a unit-norm column of noise, chosen or not depending on the
     * machine's last digits.
     */
    /** A channel's weight norm below this fraction of the largest one's counts as zero in the design. */
    static final double NEGLIGIBLE = 1e-5;

    static Design design(Moments m, double[][] cw, int[] channels) {
        int k = channels.length;
        int blk = m.blk;
        double[] inv = new double[k];
        double[] sq = new double[k];
        double largest = 0;
        for (int a = 0; a < k; a++) {
            for (double v : cw[channels[a]]) {
                sq[a] += v * v;
            }
            largest = Math.max(largest, sq[a]);
        }
        for (int a = 0; a < k; a++) {
            inv[a] = sq[a] > NEGLIGIBLE * NEGLIGIBLE * largest ? 1 / Math.sqrt(sq[a]) : 0;
        }
        double[][] g = new double[k][k];
        double[] b = new double[k];
        // g[a][b] = sum_o W_a,o^T (X_a^T X_b) W_b,o: first U = W_a (X_a^T X) over the given channels' columns
        double[][] u = new double[m.out][k * blk];
        for (int a = 0; a < k; a++) {
            if (inv[a] == 0) {
                continue;
            }
            int i = channels[a];
            double[] wi = cw[i];
            double sb = 0;
            for (int o = 0; o < m.out; o++) {
                double[] uo = u[o];
                Arrays.fill(uo, 0);
                for (int p = 0; p < blk; p++) {
                    double wv = wi[o * blk + p];
                    sb += wv * m.xy[i * blk + p][o];
                    if (wv == 0) {
                        continue;
                    }
                    double[] row = m.xx[i * blk + p];
                    for (int bb = a; bb < k; bb++) {
                        int src = channels[bb] * blk;
                        int dst = bb * blk;
                        for (int q = 0; q < blk; q++) {
                            uo[dst + q] += wv * row[src + q];
                        }
                    }
                }
            }
            b[a] = sb * inv[a];
            for (int bb = a; bb < k; bb++) {
                if (inv[bb] == 0) {
                    continue;
                }
                double[] wj = cw[channels[bb]];
                double s = 0;
                for (int o = 0; o < m.out; o++) {
                    double[] uo = u[o];
                    for (int q = 0; q < blk; q++) {
                        s += uo[bb * blk + q] * wj[o * blk + q];
                    }
                }
                g[a][bb] = s * inv[a] * inv[bb];
                g[bb][a] = g[a][bb];
            }
        }
        return new Design(g, b);
    }

    /**
     * Least squares of the reference outputs on the inputs of the kept channels, by ridge towards
     * the trained weights {@code w} ({@code out x c x block}): the solution is
     * {@code (kept * block) x out}.
     */
    static double[][] refit(Moments m, float[] w, int[] kept, double ridge) {
        int blk = m.blk;
        int width = m.c * blk;
        int d = kept.length * blk;
        double[][] a = new double[d][d];
        double[][] b = new double[d][];
        double[][] prior = new double[d][m.out];
        for (int i = 0; i < kept.length; i++) {
            for (int p = 0; p < blk; p++) {
                int r = kept[i] * blk + p;
                double[] src = m.xx[r];
                double[] dst = a[i * blk + p];
                for (int j = 0; j < kept.length; j++) {
                    System.arraycopy(src, kept[j] * blk, dst, j * blk, blk);
                }
                b[i * blk + p] = m.xy[r];
                for (int o = 0; o < m.out; o++) {
                    prior[i * blk + p][o] = w[o * width + r];
                }
            }
        }
        return LinearAlgebra.solveSpd(a, b, ridge, prior);
    }

    /** A refit ({@code (kept * block) x out}) as consumer weights {@code out x kept x block}, row-major. */
    private static float[] consumerWeights(double[][] sol, int out) {
        int d = sol.length;
        float[] nw = new float[out * d];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < d; i++) {
                nw[o * d + i] = (float) sol[i][o];
            }
        }
        return nw;
    }

    /**
     * He et al.'s alternation on one consumer: selection (LASSO, W fixed) and reconstruction
     * (least squares, selection fixed), lambda raised in stages, until exactly {@code target}
     * channels are left; then the final reconstruction. See the class comment.
     *
     * @param w the trained consumer weights ({@code out x c x block}), also the ridge's prior
     */
    static Selection alternate(Moments m, float[] w, int target, double ridge) {
        if (target <= 0 || target > m.c) {
            throw new IllegalArgumentException("cannot keep " + target + " of " + m.c + " channels");
        }
        double[][] cw = channelWeights(m, w);
        int[] active = identity(m.c);
        double[][] fitted = null;
        while (active.length > target) {
            // raise lambda (bisection with W fixed) until half of the channels above the target are gone
            int stage = target + (active.length - target) / 2;
            Design z = design(m, cw, active);
            Path path = path(z.g, z.b, stage);
            active = pick(active, path.kept());
            for (int round = 1; ; round++) {
                fitted = refit(m, w, active, ridge);
                for (int i = 0; i < active.length; i++) {
                    for (int o = 0; o < m.out; o++) {
                        for (int p = 0; p < m.blk; p++) {
                            cw[active[i]][o * m.blk + p] = fitted[i * m.blk + p][o];
                        }
                    }
                }
                if (active.length == target || round >= MAX_ALTERNATIONS) {
                    break;
                }
                // the same lambda on the refitted weights: stable, or more channels go
                z = design(m, cw, active);
                int[] support = support(LinearAlgebra.lasso(z.g, z.b, path.lambda(), null));
                if (support.length == active.length) {
                    break;
                }
                if (support.length < target) {
                    support = path(z.g, z.b, target).kept();
                }
                active = pick(active, support);
            }
        }
        if (fitted == null) {
            fitted = refit(m, w, active, ridge);
        }
        return new Selection(active, consumerWeights(fitted, m.out));
    }

    /**
     * The consumer's weights on the kept channels ({@code out x kept x block}, row-major) that best
     * reproduce the reference outputs from the sampled patches, by ridge least squares towards the
     * original weights.
     */
    static float[] reconstruct(ActivationSampler.Plan p, float[] patches, float[] reference, float[] w, int[] kept,
            double ridge) {
        Moments m = Moments.of(p.channels(), p.block(), p.layer().out(), p.rows(), patches, reference);
        return consumerWeights(refit(m, w, kept, ridge), m.out);
    }

    /**
     * LASSO channel selection with the design fixed: the {@code target} channels whose coefficients
     * stay non-zero longest as {@code lambda} grows. See {@link #path}.
     *
     * @param g Gram matrix {@code Z^T Z} of the channel contributions
     * @param b {@code Z^T y}
     * @return kept channel positions, increasing
     */
    public static int[] lassoSelect(double[][] g, double[] b, int target) {
        return path(g, b, target).kept();
    }

    /**
     * {@code lambda} is bisected between 0 and the value at which every coefficient is zero
     * ({@code 2 max|b|}) until exactly {@code target} coefficients are non-zero; if that count is
     * skipped, the {@code target} largest |beta| of the last solution with more non-zeros are kept
     * (ties: channels that contribute at all, then larger |b|, then the lower index), with that
     * solution's lambda.
     */
    static Path path(double[][] g, double[] b, int target) {
        int c = b.length;
        if (target <= 0 || target > c) {
            throw new IllegalArgumentException("cannot keep " + target + " of " + c + " channels");
        }
        double[] lo = LinearAlgebra.lasso(g, b, 0, null);
        if (target == c || nonZero(lo) <= target) {
            return new Path(rank(lo, b, g, target), 0);
        }
        double lambdaLo = 0;
        double lambdaHi = 0;
        for (double v : b) {
            lambdaHi = Math.max(lambdaHi, 2 * Math.abs(v));
        }
        for (int it = 0; it < 100 && lambdaHi - lambdaLo > 1e-13 * lambdaHi; it++) {
            double mid = (lambdaLo + lambdaHi) / 2;
            double[] beta = LinearAlgebra.lasso(g, b, mid, lo);
            int n = nonZero(beta);
            if (n == target) {
                return new Path(rank(beta, b, g, target), mid);
            }
            if (n > target) {
                lambdaLo = mid;
                lo = beta;
            } else {
                lambdaHi = mid;
            }
        }
        return new Path(rank(lo, b, g, target), lambdaLo);
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    /** {@code channels[positions[i]]} for each position. */
    private static int[] pick(int[] channels, int[] positions) {
        int[] out = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            out[i] = channels[positions[i]];
        }
        return out;
    }

    /** Positions of the non-zero coefficients, increasing. */
    private static int[] support(double[] beta) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < beta.length; i++) {
            if (beta[i] != 0) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int nonZero(double[] beta) {
        int n = 0;
        for (double v : beta) {
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    /** Largest |beta| first; ties: channels that contribute at all, then larger |b|, then lower index. */
    private static int[] rank(double[] beta, double[] b, double[][] g, int target) {
        Integer[] order = new Integer[beta.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> Math.abs(beta[i]) != Math.abs(beta[j]) ? Double.compare(Math.abs(beta[j]), Math.abs(beta[i]))
                : (g[i][i] > 0) != (g[j][j] > 0) ? (g[i][i] > 0 ? -1 : 1)
                : Math.abs(b[i]) != Math.abs(b[j]) ? Double.compare(Math.abs(b[j]), Math.abs(b[i])) : Integer.compare(i, j));
        int[] kept = new int[target];
        for (int i = 0; i < target; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
