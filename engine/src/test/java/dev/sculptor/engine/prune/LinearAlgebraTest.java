package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.Layer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The least-squares refits and the non-negative LASSO on problems with known answers. */
class LinearAlgebraTest {

    static double[][] randomMatrix(Random r, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return m;
    }

    static double[][] mul(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    out[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return out;
    }

    @Test
    void leastSquaresRecoversTheTrueWeights() {
        Random r = new Random(1);
        double[][] x = randomMatrix(r, 50, 6);
        double[][] wTrue = randomMatrix(r, 6, 3);
        double[][] y = mul(x, wTrue);
        double[][] w = LinearAlgebra.leastSquares(x, y, 1e-9);
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(wTrue[i], w[i], 1e-4, "row " + i);
        }
    }

    @Test
    void ridgePullsUndeterminedDirectionsToThePrior() {
        // only the first coordinate is seen by the data: the second stays at the prior
        double[][] a = {{4, 0}, {0, 0}};
        double[][] b = {{8}, {0}};
        double[][] prior = {{0}, {-3}};
        double[][] w = LinearAlgebra.solveSpd(a, b, 1e-8, prior);
        assertEquals(2, w[0][0], 1e-6);
        assertEquals(-3, w[1][0], 1e-6);
        // a singular system without a ridge still solves (the ridge grows until it factorises)
        double[][] w0 = LinearAlgebra.solveSpd(a, b, 0, null);
        assertEquals(2, w0[0][0], 1e-6);
        assertEquals(0, w0[1][0], 1e-6);
    }

    /** The reconstruction of channel regression, end to end on a linear consumer: Y = X W_true exactly. */
    @Test
    void reconstructionRecoversTheTrueWeightsOnKeptChannels() {
        Random r = new Random(2);
        int c = 4;
        int repeat = 3;
        int out = 2;
        int rows = 60;
        Layer fc = new Layer("fc", Layer.Kind.LINEAR, c * repeat, out, 1, 1, 1, 1, "s", "classes", repeat, true);
        ActivationSampler.Plan plan = new ActivationSampler.Plan(fc, 1, rows, null, null, null);
        int[] kept = {0, 2, 3};
        float[] wTrue = new float[out * c * repeat];
        for (int o = 0; o < out; o++) {
            for (int f = 0; f < c * repeat; f++) {
                // channel 1 does not take part in the true model
                wTrue[o * c * repeat + f] = f / repeat == 1 ? 0f : (float) r.nextGaussian();
            }
        }
        float[] patches = new float[rows * c * repeat];
        for (int i = 0; i < patches.length; i++) {
            patches[i] = (float) r.nextGaussian();
        }
        float[] reference = new float[rows * out];
        for (int row = 0; row < rows; row++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int f = 0; f < c * repeat; f++) {
                    s += (double) wTrue[o * c * repeat + f] * patches[row * c * repeat + f];
                }
                reference[row * out + o] = (float) s;
            }
        }
        float[] start = new float[wTrue.length]; // prior: all-zero weights, far from the truth
        float[] w = ChannelRegressionPruning.reconstruct(plan, patches, reference, start, kept, 1e-9);
        assertEquals(out * kept.length * repeat, w.length);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < kept.length; i++) {
                for (int p = 0; p < repeat; p++) {
                    assertEquals(wTrue[o * c * repeat + kept[i] * repeat + p], w[(o * kept.length + i) * repeat + p], 1e-4,
                            "out " + o + " channel " + kept[i]);
                }
            }
        }
    }

    @Test
    void lassoSoftThresholdsBothSigns() {
        // orthonormal design: beta_c = sign(b_c) max(0, |b_c| - lambda / 2)
        double[][] g = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        double[] b = {2, 0.5, -1};
        assertArrayEquals(new double[] {2, 0.5, -1}, LinearAlgebra.lasso(g, b, 0, null), 1e-12);
        assertArrayEquals(new double[] {1.5, 0, -0.5}, LinearAlgebra.lasso(g, b, 1, null), 1e-12);
        assertArrayEquals(new double[] {0, 0, 0}, LinearAlgebra.lasso(g, b, 4, null), 1e-12);
        // correlated design without penalty: the least-squares solution, here (1, -1)
        assertArrayEquals(new double[] {1, -1}, LinearAlgebra.lasso(new double[][] {{2, 1}, {1, 2}}, new double[] {1, -1}, 0, null), 1e-8);
        // a warm start does not change the answer
        assertArrayEquals(new double[] {1.5, 0, -0.5}, LinearAlgebra.lasso(g, b, 1, new double[] {-3, 4, 5}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.lasso(g, b, -1, null));
        assertThrows(IllegalArgumentException.class,
                () -> LinearAlgebra.lasso(g, new double[] {1, 2}, 0, null));
    }
}
