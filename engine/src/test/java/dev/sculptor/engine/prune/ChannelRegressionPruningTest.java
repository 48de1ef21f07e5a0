package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.Layer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Channel selection and reconstruction of He et al. (2017) on problems whose answer is known. */
class ChannelRegressionPruningTest {

    /** Rows x channels contributions with independent Gaussian entries. */
    static double[][] contributions(long seed, int rows, int channels) {
        return LinearAlgebraTest.randomMatrix(new Random(seed), rows, channels);
    }

    static int[] select(double[][] z, double[] y, int target) {
        double[][] g = LinearAlgebra.gram(z);
        double[] b = new double[g.length];
        for (int r = 0; r < z.length; r++) {
            for (int c = 0; c < b.length; c++) {
                b[c] += z[r][c] * y[r];
            }
        }
        return ChannelRegressionPruning.lassoSelect(g, b, target);
    }

    @Test
    void picksExactlyTheChannelsTheResponseDependsOn() {
        double[][] z = contributions(3, 200, 8);
        double[] y = new double[z.length];
        for (int r = 0; r < z.length; r++) {
            y[r] = 2 * z[r][1] + 0.5 * z[r][5] + z[r][6];
        }
        assertArrayEquals(new int[] {1, 5, 6}, select(z, y, 3));
        // fewer: the strongest first, as lambda grows
        assertArrayEquals(new int[] {1, 6}, select(z, y, 2));
        assertArrayEquals(new int[] {1}, select(z, y, 1));
        // more than the response needs: the three plus the best of the rest, never fewer
        int[] four = select(z, y, 4);
        assertArrayEquals(new int[] {1, 5, 6}, Arrays.stream(four).filter(c -> c == 1 || c == 5 || c == 6).toArray());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, select(z, y, 8));
    }

    @Test
    void aNegativeContributionIsSelectedLikeAPositiveOne() {
        // the paper's LASSO has no sign constraint: a channel the response needs with beta = -2 is kept
        double[][] z = contributions(5, 200, 6);
        double[] y = new double[z.length];
        for (int r = 0; r < z.length; r++) {
            y[r] = -2 * z[r][0] + 1.5 * z[r][4];
        }
        assertArrayEquals(new int[] {0, 4}, select(z, y, 2));
        assertArrayEquals(new int[] {0}, select(z, y, 1));
    }

    @Test
    void zeroContributionsAreDroppedFirst() {
        double[][] z = contributions(4, 100, 5);
        for (double[] row : z) {
            row[0] = 0;
            row[3] = 0;
        }
        double[] y = new double[z.length];
        for (int r = 0; r < z.length; r++) {
            for (int c = 0; c < 5; c++) {
                y[r] += z[r][c];
            }
        }
        assertArrayEquals(new int[] {1, 2, 4}, select(z, y, 3));
    }

    @Test
    void badTargetsAreRefused() {
        double[][] g = {{1, 0}, {0, 1}};
        assertThrows(IllegalArgumentException.class, () -> ChannelRegressionPruning.lassoSelect(g, new double[] {1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> ChannelRegressionPruning.lassoSelect(g, new double[] {1, 1}, 3));
    }

    /** A linear consumer reading {@code c} channels of {@code blk} features each, with {@code out} outputs. */
    static Layer consumer(int c, int blk, int out) {
        return new Layer("fc", Layer.Kind.LINEAR, c * blk, out, 1, 1, 1, 1, "s", "classes", blk, true);
    }

    /** {@code Y = X W^T} (no bias) for rows of {@code X} ({@code rows x d}) and {@code W} ({@code out x d}). */
    static float[] outputs(float[] x, float[] w, int rows, int d, int out) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int f = 0; f < d; f++) {
                    s += (double) w[o * d + f] * x[r * d + f];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    /**
     * (a) The outputs are produced by a known subset of input channels with known weights, and the
     * trained weights the method starts from are off (the used channels perturbed, the unused ones
     * random, not zero): through the method's own per-layer step, selection picks exactly that
     * subset and the reconstruction returns those weights.
     */
    @Test
    void recoversTheKnownChannelsAndWeightsExactly() {
        int c = 6;
        int blk = 4;
        int out = 3;
        int rows = 400;
        int d = c * blk;
        int[] used = {1, 3, 4};
        Random r = new Random(11);
        float[] truth = new float[out * d];
        float[] trained = new float[out * d];
        for (int o = 0; o < out; o++) {
            for (int ch = 0; ch < c; ch++) {
                boolean u = Arrays.binarySearch(used, ch) >= 0;
                for (int j = 0; j < blk; j++) {
                    int f = o * d + ch * blk + j;
                    truth[f] = u ? (float) r.nextGaussian() : 0f;
                    trained[f] = u ? truth[f] + (float) (0.3 * r.nextGaussian()) : (float) (0.5 * r.nextGaussian());
                }
            }
        }
        Layer fc = consumer(c, blk, out);
        ActivationSampler.Plan plan = new ActivationSampler.Plan(fc, 1, rows, null, null, null);
        SampledPruning.Samples s = new SampledPruning.Samples(plan);
        s.patches = new float[rows * d];
        for (int i = 0; i < s.patches.length; i++) {
            s.patches[i] = (float) r.nextGaussian();
        }
        System.arraycopy(outputs(s.patches, truth, rows, d, out), 0, s.reference, 0, rows * out);
        ChannelRegressionPruning method = new ChannelRegressionPruning(SampledPruningTest.tinyData(8, 1, 4, 4), 0.5,
                Map.of(), Set.of(), 8, 1, true, 1, 1e-9);
        SampledPruning.Decision dec = method.decide(new SampledPruning.Target(null, fc, used.length), s, trained);
        assertArrayEquals(used, dec.kept());
        float[] w = dec.consumerWeight();
        assertEquals(out * used.length * blk, w.length);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < used.length; i++) {
                for (int j = 0; j < blk; j++) {
                    assertEquals(truth[o * d + used[i] * blk + j], w[(o * used.length + i) * blk + j], 1e-4,
                            "output " + o + ", channel " + used[i] + ", feature " + j);
                }
            }
        }
    }

    /**
     * (b) A case built so that selecting with the trained weights picks the wrong channels: the
     * response is {@code x0 a0^T + x1 a1^T}; the trained weights of channel 0 point 60 degrees away
     * from {@code a0}, while channel 2 reads {@code 0.9 x0} plus noise and carries {@code 3 a0} (so
     * it also has the largest weights); channel 3 is noise. With W fixed, the LASSO (and magnitude)
     * prefer channel 2: it explains about 76% of the {@code x0} term, channel 0 only 25%. Alternating with reconstruction, the first stage only drops channel 3, the
     * refit on {0, 1, 2} gives channel 2 zero weights, and the next selection leaves exactly {0, 1}
     * with the true weights.
     */
    @Test
    void alternationRepairsWhatSelectionWithTheTrainedWeightsGetsWrong() {
        int rows = 1000;
        int c = 4;
        int out = 2;
        Random r = new Random(21);
        double[] a0 = {1.0, 0.5};
        double[] a1 = {-0.4, 1.2};
        double cos = Math.cos(Math.PI / 3);
        double sin = Math.sin(Math.PI / 3);
        double[] rotated = {cos * a0[0] - sin * a0[1], sin * a0[0] + cos * a0[1]};
        float[] trained = new float[out * c];
        for (int o = 0; o < out; o++) {
            trained[o * c] = (float) rotated[o];
            trained[o * c + 1] = (float) a1[o];
            trained[o * c + 2] = (float) (3 * a0[o]);
            trained[o * c + 3] = (float) r.nextGaussian();
        }
        float[] x = new float[rows * c];
        float[] y = new float[rows * out];
        for (int i = 0; i < rows; i++) {
            double x0 = r.nextGaussian();
            double x1 = r.nextGaussian();
            x[i * c] = (float) x0;
            x[i * c + 1] = (float) x1;
            x[i * c + 2] = (float) (0.9 * x0 + 0.5 * r.nextGaussian());
            x[i * c + 3] = (float) r.nextGaussian();
            for (int o = 0; o < out; o++) {
                y[i * out + o] = (float) (x0 * a0[o] + x1 * a1[o]);
            }
        }
        ChannelRegressionPruning.Moments m = ChannelRegressionPruning.Moments.of(c, 1, out, rows, x, y);
        // with the trained weights the decoy wins, by LASSO and by weight magnitude
        ChannelRegressionPruning.Design fixed =
                ChannelRegressionPruning.design(m, ChannelRegressionPruning.channelWeights(m, trained), new int[] {0, 1, 2, 3});
        assertArrayEquals(new int[] {1, 2}, ChannelRegressionPruning.lassoSelect(fixed.g(), fixed.b(), 2));
        double[] norms = new double[c];
        for (int o = 0; o < out; o++) {
            for (int ch = 0; ch < c; ch++) {
                norms[ch] += trained[o * c + ch] * trained[o * c + ch];
            }
        }
        assertTrue(norms[2] > norms[0] && norms[2] > norms[1] && norms[2] > norms[3], Arrays.toString(norms));
        ChannelRegressionPruning.Selection sel = ChannelRegressionPruning.alternate(m, trained, 2, 1e-9);
        assertArrayEquals(new int[] {0, 1}, sel.kept());
        float[] w = sel.weights();
        for (int o = 0; o < out; o++) {
            assertEquals(a0[o], w[o * 2], 1e-4, "output " + o + ", channel 0");
            assertEquals(a1[o], w[o * 2 + 1], 1e-4, "output " + o + ", channel 1");
        }
    }

    /** Every target from 1 to c ends with exactly that many distinct channels, in increasing order. */
    @Test
    void alternationEndsWithExactlyTheTargetCount() {
        int c = 10;
        int blk = 2;
        int out = 3;
        int rows = 80;
        Random r = new Random(31);
        float[] x = new float[rows * c * blk];
        float[] w = new float[out * c * blk];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        // the response is the trained layer's own output plus noise, so every channel matters a little
        float[] y = outputs(x, w, rows, c * blk, out);
        for (int i = 0; i < y.length; i++) {
            y[i] += (float) (0.3 * r.nextGaussian());
        }
        ChannelRegressionPruning.Moments m = ChannelRegressionPruning.Moments.of(c, blk, out, rows, x, y);
        for (int target = 1; target <= c; target++) {
            ChannelRegressionPruning.Selection sel = ChannelRegressionPruning.alternate(m, w, target, 1e-3);
            assertEquals(target, sel.kept().length, "target " + target);
            for (int i = 1; i < target; i++) {
                assertTrue(sel.kept()[i] > sel.kept()[i - 1], Arrays.toString(sel.kept()));
            }
            assertEquals(out * target * blk, sel.weights().length);
        }
        assertThrows(IllegalArgumentException.class, () -> ChannelRegressionPruning.alternate(m, w, 0, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> ChannelRegressionPruning.alternate(m, w, c + 1, 1e-3));
    }

    /**
     * The paper's normalisation ||W_c||_F = 1: scaling a channel's weights by any non-zero factor
     * changes neither the Gram matrix nor Z^T Y of the selection (beta absorbs the scale), and a
     * channel with all-zero weights contributes nothing.
     */
    @Test
    void selectionSeesWeightsOnlyUpToTheirScale() {
        int c = 3;
        int blk = 2;
        int out = 2;
        int rows = 50;
        Random r = new Random(41);
        float[] x = new float[rows * c * blk];
        float[] w = new float[out * c * blk];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        float[] y = outputs(x, w, rows, c * blk, out);
        ChannelRegressionPruning.Moments m = ChannelRegressionPruning.Moments.of(c, blk, out, rows, x, y);
        int[] all = {0, 1, 2};
        double[][] cw = ChannelRegressionPruning.channelWeights(m, w);
        ChannelRegressionPruning.Design base = ChannelRegressionPruning.design(m, cw, all);
        for (int i = 0; i < cw[1].length; i++) {
            cw[1][i] *= 7.5;
        }
        ChannelRegressionPruning.Design scaled = ChannelRegressionPruning.design(m, cw, all);
        for (int a = 0; a < c; a++) {
            assertArrayEquals(base.g()[a], scaled.g()[a], 1e-9 * Math.abs(base.g()[a][a]));
        }
        assertArrayEquals(base.b(), scaled.b(), 1e-9 * Arrays.stream(base.b()).map(Math::abs).max().orElse(1));
        Arrays.fill(cw[2], 0);
        ChannelRegressionPruning.Design dead = ChannelRegressionPruning.design(m, cw, all);
        assertEquals(0, dead.g()[2][2]);
        assertEquals(0, dead.b()[2]);
        // weights of rounding size (what a refit leaves on a channel the output ignores) count as zero too, instead of
        // being scaled up into a unit-norm column of noise; a channel 1e-3 of the others' size still counts
        for (int i = 0; i < cw[2].length; i++) {
            cw[2][i] = 1e-8 * r.nextGaussian();
        }
        ChannelRegressionPruning.Design rounding = ChannelRegressionPruning.design(m, cw, all);
        assertEquals(0, rounding.g()[2][2]);
        assertEquals(0, rounding.b()[2]);
        for (int i = 0; i < cw[2].length; i++) {
            cw[2][i] = 1e-3 * w[2 * blk + i % blk];
        }
        assertTrue(ChannelRegressionPruning.design(m, cw, all).g()[2][2] > 0);
    }
}
