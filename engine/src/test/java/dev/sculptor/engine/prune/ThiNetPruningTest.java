package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.LayerGraph;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ThiNet's greedy channel selection (Luo et al. 2017) on contributions chosen by hand. */
class ThiNetPruningTest {

    @Test
    void greedyRemovesTheSetWhoseContributionsCancel() {
        // rows are three orthonormal directions e1, e2, e3
        double[][] z = {
            {1, 0, 0}, // channel 0: e1
            {-0.9, 0, 0}, // channel 1: -0.9 e1, the smallest alone
            {0, 2, 0}, // channel 2: 2 e2
            {0, 0, 0.95}, // channel 3: 0.95 e3, the second smallest alone
        };
        // removing 1 first (0.81), then 0 leaves a sum of 0.1 e1 (0.01), better than 1 and 3 (1.71)
        boolean[] removed = ThiNetPruning.greedyRemove(z, 2);
        assertArrayEquals(new boolean[] {true, true, false, false}, removed);
        assertArrayEquals(new boolean[] {false, true, false, false}, ThiNetPruning.greedyRemove(z, 1));
        assertArrayEquals(new boolean[] {false, false, false, false}, ThiNetPruning.greedyRemove(z, 0));
        assertThrows(IllegalArgumentException.class, () -> ThiNetPruning.greedyRemove(z, 4));
    }

    @Test
    void scalingRefitMatchesTheReference() {
        // reference = 2 z0 + 0.5 z2; keeping channels 0 and 2 the scales are exactly 2 and 0.5
        double[][] z = {{1, 0, 2, 1}, {3, 3, 3, 3}, {0, 1, 1, -1}};
        float[] ref = new float[4];
        for (int r = 0; r < 4; r++) {
            ref[r] = (float) (2 * z[0][r] + 0.5 * z[2][r]);
        }
        assertArrayEquals(new double[] {2, 0.5}, ThiNetPruning.scales(z, new int[] {0, 2}, ref), 1e-5);
    }

    @Test
    void presetsKeepTheirFraction() {
        LayerGraph g = LayerGraph.of(SampledPruningTest.tinyVgg());
        var data = SampledPruningTest.tinyData(4, 1, 8, 8);
        ThiNetPruning t30 = new ThiNetPruning(data, "thinet-30", 0, Map.of(), Set.of(), 8, 2, true, 1);
        assertEquals(Map.of("features.0", 0.7, "features.1", 0.7).keySet(), t30.ratios(g).keySet());
        assertEquals(0.7, t30.ratios(g).get("features.0"), 1e-12);
        // 4 and 6 channels keep floor(0.3 n) (at least one): 1 and 1; thinet-70 keeps 2 and 4
        assertEquals(1, t30.targets(g).get(0).keep());
        ThiNetPruning t70 = new ThiNetPruning(data, "thinet-70", 0, Map.of(), Set.of(), 8, 2, true, 1);
        assertEquals(2, t70.targets(g).get(0).keep());
        assertEquals(4, t70.targets(g).get(1).keep());
        assertEquals("thinet-70", t70.settings().get("preset").getAsString());
        ArchException e = assertThrows(ArchException.class,
                () -> new ThiNetPruning(data, "thinet-40", 0, Map.of(), Set.of(), 8, 2, true, 1));
        assertTrue(e.getMessage().contains("thinet-30, thinet-50, thinet-70"), e.getMessage());
    }
}
