package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Weight-level pruning (Han et al. 2015) on a tiny VGG whose weights have known, distinct magnitudes:
 * over the {@code N} targeted weights in layer order, global element {@code g} has magnitude
 * {@code r(g) / 100} with {@code r(g) = (97 g mod N) + 1}, a permutation of {@code 1..N}, and alternating
 * sign. With percent p the threshold is the magnitude of rank {@code floor(N p) + 1}, and exactly the
 * weights of larger rank survive.
 */
class WeightLevelPruningTest {

    /** 1x8x8 input; features.0.conv 4x1x3x3 = 36, features.1.conv 6x4x3x3 = 216 weights (conv total 252). */
    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    static final List<String> CONVS = List.of("features.0.conv.weight", "features.1.conv.weight");
    static final List<String> ALL = List.of("features.0.conv.weight", "features.1.conv.weight",
            "classifier.0.fc.weight", "classifier.out.weight"); // 36 + 216 + 30 + 15 = 297

    static int rank(int g, int n) {
        return (97 * g) % n + 1;
    }

    /** Assigns the permutation magnitudes to {@code names} (in order) and returns the total count. */
    static int assign(Network net, List<String> names) {
        int n = 0;
        for (String name : names) {
            n += (int) net.array(name).size();
        }
        int g = 0;
        for (String name : names) {
            float[] w = new float[(int) net.array(name).size()];
            for (int i = 0; i < w.length; i++, g++) {
                w[i] = (g % 2 == 0 ? 1 : -1) * rank(g, n) / 100f;
            }
            net.array(name).set(w);
        }
        return n;
    }

    /** The expected mask of tensor {@code t} of {@code names}: 1 where the rank exceeds {@code cut}. */
    static float[] expectedMask(Network net, List<String> names, int t, int n, int cut) {
        int offset = 0;
        for (int i = 0; i < t; i++) {
            offset += (int) net.array(names.get(i)).size();
        }
        float[] m = new float[(int) net.array(names.get(t)).size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = rank(offset + i, n) > cut ? 1f : 0f;
        }
        return m;
    }

    static long count(float[] mask) {
        long c = 0;
        for (float v : mask) {
            c += v != 0 ? 1 : 0;
        }
        return c;
    }

    @Test
    void globalMagnitudeThresholdOverConvWeights() {
        try (Network net = Network.create(tinyVgg(), 3)) {
            int n = assign(net, CONVS);
            assertEquals(252, n);
            float[] w0 = net.array("features.0.conv.weight").toFloatArray();
            float[] fc = net.array("classifier.0.fc.weight").toFloatArray();
            WeightLevelPruning method = new WeightLevelPruning(0.5, false);
            assertEquals(CONVS, method.targets(net));
            PruneResult r = method.prune(net);
            try (Network p = r.network()) {
                assertTrue(r.kept().isEmpty());
                assertEquals("t-w50", p.spec().name());
                assertEquals(net.spec().convWidths(), p.spec().convWidths(), "architecture unchanged");
                assertEquals(CONVS, List.copyOf(p.masks().keySet()));
                // floor(252 * 0.5) = 126 -> threshold is rank 127; ranks 128..252 survive: 125 weights
                float[] m0 = expectedMask(net, CONVS, 0, n, 127);
                float[] m1 = expectedMask(net, CONVS, 1, n, 127);
                assertArrayEquals(m0, p.masks().get("features.0.conv.weight").toFloatArray(), 0f);
                assertArrayEquals(m1, p.masks().get("features.1.conv.weight").toFloatArray(), 0f);
                assertEquals(16, p.nonZero("features.0.conv.weight"));
                assertEquals(109, p.nonZero("features.1.conv.weight"));
                assertEquals(16, count(m0));
                assertEquals(109, count(m1));

                // surviving weights keep their values, pruned ones are zero
                float[] pw0 = p.array("features.0.conv.weight").toFloatArray();
                for (int i = 0; i < pw0.length; i++) {
                    assertTrue(m0[i] == 1f ? pw0[i] == w0[i] : pw0[i] == 0f, "features.0 weight " + i);
                }
                // linear layers are not targeted
                assertArrayEquals(fc, p.array("classifier.0.fc.weight").toFloatArray(), 0f);
                // the input network is left alone
                assertTrue(net.masks().isEmpty());
                assertArrayEquals(w0, net.array("features.0.conv.weight").toFloatArray(), 0f);
            }
        }
    }

    @Test
    void includeLinearMasksLinearWeightsToo() {
        try (Network net = Network.create(tinyVgg(), 3)) {
            int n = assign(net, ALL);
            assertEquals(297, n);
            WeightLevelPruning method = new WeightLevelPruning(0.5, true);
            assertEquals(ALL, method.targets(net));
            try (Network p = method.prune(net).network()) {
                assertEquals(ALL, List.copyOf(p.masks().keySet()));
                // floor(297 * 0.5) = 148 -> threshold rank 149; ranks 150..297 survive: 148 weights
                long[] expectedNz = {19, 107, 17, 5};
                for (int t = 0; t < ALL.size(); t++) {
                    float[] m = expectedMask(net, ALL, t, n, 149);
                    assertArrayEquals(m, p.masks().get(ALL.get(t)).toFloatArray(), 0f, ALL.get(t));
                    assertEquals(expectedNz[t], count(m));
                    assertEquals(expectedNz[t], p.nonZero(ALL.get(t)));
                }
                // the classifier output is masked: its flops count only surviving weights
                ModelStats s = ModelStats.of(p);
                assertEquals(19L * 64 + 107L * 16 + 17 + 5, s.flops());
            }
        }
    }

    @Test
    void pruningAgainHonoursExistingMasks() {
        try (Network net = Network.create(tinyVgg(), 3)) {
            int n = assign(net, CONVS);
            try (Network half = new WeightLevelPruning(0.5, false).prune(net).network();
                    Network more = new WeightLevelPruning(0.75, false).prune(half).network()) {
                // 127 zeros now sort first; floor(252 * 0.75) = 189 -> the value at position 189 is
                // rank 190, so ranks 191..252 survive: 62 weights
                long nz = more.nonZero(CONVS.get(0)) + more.nonZero(CONVS.get(1));
                assertEquals(62, nz);
                assertArrayEquals(expectedMask(net, CONVS, 0, n, 190), more.masks().get(CONVS.get(0)).toFloatArray(), 0f);
                assertArrayEquals(expectedMask(net, CONVS, 1, n, 190), more.masks().get(CONVS.get(1)).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void percentZeroKeepsEveryNonZeroWeight() {
        try (Network net = Network.create(tinyVgg(), 3)) {
            assign(net, CONVS);
            try (Network p = new WeightLevelPruning(0, false).prune(net).network()) {
                assertEquals(36, p.nonZero(CONVS.get(0)));
                assertEquals(216, p.nonZero(CONVS.get(1)));
                assertEquals(ModelStats.of(net.spec()), ModelStats.of(p));
            }
        }
        assertThrows(ArchException.class, () -> new WeightLevelPruning(1.0, false));
        assertThrows(ArchException.class, () -> new WeightLevelPruning(-0.5, true));
    }

    @Test
    void flopsCountSurvivingConvWeightsTimesOutputPositionsPlusLinearMacs() {
        try (Network net = Network.create(tinyVgg(), 3)) {
            assign(net, CONVS);
            try (Network p = new WeightLevelPruning(0.5, false).prune(net).network()) {
                ModelStats s = ModelStats.of(p);
                // features.0 runs at 8x8, features.1 at 4x4 (after the pool); classifier 6*5 + 5*3 MACs
                assertEquals(16L * 64 + 109L * 16 + 30 + 15, s.flops());
                // dense: 36 + 8 + 216 + 12 + 35 + 10 + 18 = 335; the 127 pruned weights are gone
                assertEquals(335 - 36 - 216 + 16 + 109, s.params());
                assertEquals(new ModelStats(335, 2304 + 3456 + 30 + 15), ModelStats.of(net));
            }
        }
    }

    /** 12 random 1x8x8 images of 3 classes. */
    static ImageDataset tinyData() {
        Random r = new Random(4);
        int n = 12;
        byte[] pixels = new byte[n * 64];
        r.nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        return ImageDataset.of("tiny", 1, 8, 8, 3, pixels, labels, new float[] {0.5f}, new float[] {0.25f});
    }

    @Test
    void maskedWeightsStayZeroThroughTraining() {
        try (Network net = Network.create(tinyVgg(), 9);
                Network p = new WeightLevelPruning(0.6, true).prune(net).network()) {
            Map<String, float[]> before = new java.util.LinkedHashMap<>();
            for (String name : ALL) {
                before.put(name, p.array(name).toFloatArray());
            }
            TrainConfig cfg = new TrainConfig(2, 4, 0.05, 0.9, 1e-4, "constant", 1, false, null, false, false);
            Trainer.Result result = new Trainer(cfg).train(p, tinyData(), null);
            assertEquals(2, result.history().size());
            long changed = 0;
            for (String name : ALL) {
                float[] mask = p.masks().get(name).toFloatArray();
                float[] w0 = before.get(name);
                float[] w1 = p.array(name).toFloatArray();
                for (int i = 0; i < w1.length; i++) {
                    if (mask[i] == 0f) {
                        assertTrue(w1[i] == 0f, name + "[" + i + "] is masked but became " + w1[i]);
                    } else {
                        assertNotEquals(w0[i], w1[i], name + "[" + i + "] is kept but did not train");
                        changed++;
                    }
                }
            }
            long kept = 0;
            for (String name : ALL) {
                kept += p.nonZero(name);
            }
            assertEquals(kept, changed);
            // floor(297 * 0.6) = 178 -> 118 of the 297 weights survive (random weights: distinct magnitudes)
            assertEquals(297 - 178 - 1, kept);
        }
    }
}
