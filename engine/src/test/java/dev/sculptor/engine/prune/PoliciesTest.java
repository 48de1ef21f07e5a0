package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scores to kept positions, on hand-made scores. */
class PoliciesTest {

    @Test
    void topKReturnsHighestInIncreasingIndexOrder() {
        float[] s = {0.2f, 0.9f, 0.1f, 0.7f, 0.5f};
        assertArrayEquals(new int[] {1}, Policies.topK(s, 1));
        assertArrayEquals(new int[] {1, 3}, Policies.topK(s, 2));
        assertArrayEquals(new int[] {1, 3, 4}, Policies.topK(s, 3));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Policies.topK(s, 5));
        assertArrayEquals(new int[] {}, Policies.topK(s, 0));
        // negative scores order like any other
        assertArrayEquals(new int[] {0, 2}, Policies.topK(new float[] {-1f, -3f, -2f}, 2));
    }

    @Test
    void topKTiesGoToTheLowerIndex() {
        float[] s = {1f, 3f, 3f, 2f, 3f};
        assertArrayEquals(new int[] {1}, Policies.topK(s, 1));
        assertArrayEquals(new int[] {1, 2}, Policies.topK(s, 2));
        assertArrayEquals(new int[] {1, 2, 4}, Policies.topK(s, 3));
        assertArrayEquals(new int[] {1, 2, 3, 4}, Policies.topK(s, 4));
        assertArrayEquals(new int[] {0, 1}, Policies.topK(new float[] {5f, 5f, 5f, 5f}, 2));
        assertArrayEquals(new int[] {1, 2}, Policies.topK(new float[] {1f, 2f, 4f, 2f}, 2));
    }

    @Test
    void perSpaceKeepsTopKeepCountOfEachListedSpace() {
        Map<String, float[]> scores = new LinkedHashMap<>();
        scores.put("a", new float[] {0.4f, 0.1f, 0.3f, 0.2f});
        scores.put("b", new float[] {5f, 6f, 1f, 2f, 3f, 4f});
        scores.put("c", new float[] {1f, 2f});
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("a", 0.5); // keep 2: 0 and 2
        ratios.put("b", 0.5); // keep 3: 0, 1, 5
        ratios.put("c", 0.0); // ratio 0: not pruned, left out
        Map<String, int[]> keep = Policies.perSpace(scores, ratios);
        assertEquals(List.of("a", "b"), List.copyOf(keep.keySet()));
        assertArrayEquals(new int[] {0, 2}, keep.get("a"));
        assertArrayEquals(new int[] {0, 1, 5}, keep.get("b"));

        // floor never reaches zero: ratio 0.9 of 4 keeps 1
        assertArrayEquals(new int[] {0}, Policies.perSpace(scores, Map.of("a", 0.9)).get("a"));
    }

    @Test
    void perSpaceErrors() {
        Map<String, float[]> scores = new LinkedHashMap<>();
        scores.put("a", new float[] {1f, 2f});
        scores.put("b", new float[] {1f, 2f});
        ArchException e = assertThrows(ArchException.class, () -> Policies.perSpace(scores, Map.of("zz", 0.5)));
        assertEquals("no scores for channel space 'zz' (scored: [a, b])", e.getMessage());
        ArchException r = assertThrows(ArchException.class, () -> Policies.perSpace(scores, Map.of("a", 1.0)));
        assertTrue(r.getMessage().contains("prune ratio must be in [0, 1), got 1.0"), r.getMessage());
    }

    /** a: 0.9 0.1 0.5 0.3; b: 0.2 0.05 0.15; c: 0.8 0.7. Sorted: .05 .1 .15 .2 .3 .5 .7 .8 .9 */
    static Map<String, float[]> threeSpaces() {
        Map<String, float[]> scores = new LinkedHashMap<>();
        scores.put("a", new float[] {0.9f, 0.1f, 0.5f, 0.3f});
        scores.put("b", new float[] {0.2f, 0.05f, 0.15f});
        scores.put("c", new float[] {0.8f, 0.7f});
        return scores;
    }

    @Test
    void globalThresholdKeepsScoresStrictlyAboveTheQuantile() {
        // 9 scores, percent 0.5: position floor(4.5) = 4 -> threshold 0.3; strictly above stays
        Map<String, int[]> keep = Policies.globalThreshold(threeSpaces(), 0.5);
        assertEquals(Set.of("a", "b"), keep.keySet(), "c keeps everything and is left out");
        assertArrayEquals(new int[] {0, 2}, keep.get("a"));
        // b is entirely below 0.3: it keeps exactly its best channel (0.2 at position 0)
        assertArrayEquals(new int[] {0}, keep.get("b"));

        // percent 0.2: position 1 -> threshold 0.1 -> a loses 1, b loses 1 (0.05)
        Map<String, int[]> low = Policies.globalThreshold(threeSpaces(), 0.2);
        assertEquals(List.of("a", "b"), List.copyOf(low.keySet()));
        assertArrayEquals(new int[] {0, 2, 3}, low.get("a"));
        assertArrayEquals(new int[] {0, 2}, low.get("b"));

        // percent 0.8: position 7 -> threshold 0.8 -> only 0.9 survives; b and c keep their best
        Map<String, int[]> high = Policies.globalThreshold(threeSpaces(), 0.8);
        assertArrayEquals(new int[] {0}, high.get("a"));
        assertArrayEquals(new int[] {0}, high.get("b"));
        assertArrayEquals(new int[] {0}, high.get("c"));
    }

    @Test
    void globalThresholdPercentZeroKeepsEverything() {
        assertTrue(Policies.globalThreshold(threeSpaces(), 0).isEmpty());
        // even with ties and zeros
        Map<String, float[]> flat = Map.of("x", new float[] {0f, 0f, 0f});
        assertTrue(Policies.globalThreshold(flat, 0).isEmpty());
    }

    @Test
    void globalThresholdTiesAtTheThresholdArePruned() {
        // 4 scores, percent 0.25: position 1 -> threshold 1 -> the three 1s go
        Map<String, int[]> keep = Policies.globalThreshold(Map.of("x", new float[] {1f, 1f, 2f, 1f}), 0.25);
        assertArrayEquals(new int[] {2}, keep.get("x"));
        // all equal: nothing is strictly above, the best (lowest index on ties) stays
        Map<String, int[]> same = Policies.globalThreshold(Map.of("x", new float[] {3f, 3f, 3f}), 0.1);
        assertArrayEquals(new int[] {0}, same.get("x"));
    }

    @Test
    void globalThresholdErrors() {
        for (double bad : new double[] {-0.01, 1.0, Double.NaN}) {
            ArchException e = assertThrows(ArchException.class, () -> Policies.globalThreshold(threeSpaces(), bad));
            assertTrue(e.getMessage().startsWith("global prune percent must be in [0, 1)"), e.getMessage());
        }
        ArchException empty = assertThrows(ArchException.class, () -> Policies.globalThreshold(Map.of(), 0.5));
        assertTrue(empty.getMessage().contains("no prunable channels"), empty.getMessage());
    }

    /**
     * Streams of widths 2, 4, 6 (each carrying the previous one in its first channels): a removes 1, b 2, c 3.
     * Chain scores of a's channels: 5 + 1 + 1 = 7 and 1 + 1 + 1 = 3, so channel 1 goes everywhere; b's padded
     * channels 2, 3 score 4 + 0 and 1 + 9, so 2 goes; c's padded 4, 5 score 2 and 8, so 4 goes.
     */
    @Test
    void nestedStreamsRemoveByChainScoreAndRefuseCountsThatCannotNest() {
        List<String> ids = List.of("a", "b", "c");
        Map<String, float[]> add = Map.of("a", new float[] {5, 1}, "b", new float[] {1, 1, 4, 1},
                "c", new float[] {1, 1, 0, 9, 2, 8});
        Map<String, int[]> keep = Policies.nestedStreams(ids, add, Map.of("a", 1, "b", 2, "c", 3));
        assertArrayEquals(new int[] {0}, keep.get("a"));
        assertArrayEquals(new int[] {0, 3}, keep.get("b"));
        assertArrayEquals(new int[] {0, 3, 5}, keep.get("c"));
        // b removing fewer than a, or more than a's plus its two padded channels, cannot nest
        assertNull(Policies.nestedStreams(ids, add, Map.of("a", 1, "b", 0, "c", 3)));
        assertNull(Policies.nestedStreams(ids, add, Map.of("a", 0, "b", 3, "c", 3)));
    }
}
