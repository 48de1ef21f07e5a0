package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** LASSO channel selection (He et al. 2017) on problems whose answer is known. */
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
        assertArrayEquals(new int[] {1, 5, 6}, java.util.Arrays.stream(four).filter(c -> c == 1 || c == 5 || c == 6).toArray());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, select(z, y, 8));
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
}
