package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * L1-norm filter pruning (Li et al. 2017) on a tiny VGG whose filter norms are set by hand: filter i
 * of a conv holds one constant value everywhere, so its L1 norm is |value| x (in x 3 x 3).
 */
class L1NormPruningTest {

    /** 1x8x8 input, convs of 4 and 6 filters (pool after the first), hidden 5, 3 classes. */
    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    /** features.0: |values| 3, 1, 4, 2 (norms x9); features.1: |values| 0.5, 6, 2, 1, 3, 4 (norms x90, see below). */
    static final float[] F0 = {-3f, 1f, 4f, -2f};
    static final float[] F1 = {0.5f, -6f, 2f, 1f, -3f, 4f};

    /** Every weight of filter o equals {@code perFilter[o]}. */
    static float[] constantFilters(float[] perFilter, int perFilterSize) {
        float[] w = new float[perFilter.length * perFilterSize];
        for (int o = 0; o < perFilter.length; o++) {
            for (int j = 0; j < perFilterSize; j++) {
                w[o * perFilterSize + j] = perFilter[o];
            }
        }
        return w;
    }

    static Network tinyWithKnownNorms() {
        Network net = Network.create(tinyVgg(), 7);
        net.array("features.0.conv.weight").set(constantFilters(F0, 9));
        // input channel c of every features.1 filter is scaled by (c + 1), so that the input slices
        // are distinguishable; the norm of filter o is |F1[o]| * 9 * (1 + 2 + 3 + 4), same ordering as F1
        float[] w1 = new float[6 * 4 * 9];
        for (int o = 0; o < 6; o++) {
            for (int c = 0; c < 4; c++) {
                for (int k = 0; k < 9; k++) {
                    w1[(o * 4 + c) * 9 + k] = F1[o] * (c + 1);
                }
            }
        }
        net.array("features.1.conv.weight").set(w1);
        return net;
    }

    @Test
    void scoresAreFilterL1Norms() {
        try (Network net = tinyWithKnownNorms()) {
            Map<String, float[]> s = Importances.l1FilterNorm().scores(net);
            assertEquals(List.of("features.0", "features.1"), List.copyOf(s.keySet()), "only prunable conv spaces");
            assertArrayEquals(new float[] {27f, 9f, 36f, 18f}, s.get("features.0"), 1e-4f);
            // |v| * 9 * (1 + 2 + 3 + 4)
            assertArrayEquals(new float[] {45f, 540f, 180f, 90f, 270f, 360f}, s.get("features.1"), 1e-3f);
        }
    }

    @Test
    void keepsLargestNormFiltersInIncreasingOrder() {
        try (Network net = tinyWithKnownNorms()) {
            float[] w0 = net.array("features.0.conv.weight").toFloatArray();
            float[] w1 = net.array("features.1.conv.weight").toFloatArray();
            float[] g0 = net.array("features.0.bn.gamma").toFloatArray();
            float[] fc = net.array("classifier.0.fc.weight").toFloatArray();

            PruneResult r = new L1NormPruning(null, 0.5, Map.of(), Set.of()).prune(net);
            try (Network p = r.network()) {
                assertEquals(Set.of("features.0", "features.1"), r.kept().keySet());
                // norms 27, 9, 36, 18: keep floor(4 * 0.5) = 2 -> filters 2 and 0
                assertArrayEquals(new int[] {0, 2}, r.kept().get("features.0"));
                // norms 45, 540, 180, 90, 270, 360: keep 3 -> filters 1, 5, 4
                assertArrayEquals(new int[] {1, 4, 5}, r.kept().get("features.1"));
                assertEquals(List.of(2, 3), p.spec().convWidths());
                assertEquals(List.of(5), p.spec().hidden());
                assertEquals("t-l1", p.spec().name());
                assertEquals("l1", r.method());

                // kept filters are the original slices
                float[] expected0 = new float[2 * 9];
                int[] k0 = {0, 2};
                for (int i = 0; i < 2; i++) {
                    System.arraycopy(w0, k0[i] * 9, expected0, i * 9, 9);
                }
                assertArrayEquals(expected0, p.array("features.0.conv.weight").toFloatArray(), 0f);
                int[] k1 = {1, 4, 5};
                float[] expected1 = new float[3 * 2 * 9];
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        System.arraycopy(w1, (k1[i] * 4 + k0[j]) * 9, expected1, (i * 2 + j) * 9, 9);
                    }
                }
                assertArrayEquals(expected1, p.array("features.1.conv.weight").toFloatArray(), 0f);
                // hand values: filter 1 (v = -6) reading input channels 0 and 2 -> -6 * 1 and -6 * 3
                assertEquals(-6f, p.array("features.1.conv.weight").toFloatArray()[0], 0f);
                assertEquals(-18f, p.array("features.1.conv.weight").toFloatArray()[9], 0f);
                assertArrayEquals(new float[] {g0[0], g0[2]}, p.array("features.0.bn.gamma").toFloatArray(), 0f);
                // the classifier reads the kept channels 1, 4, 5 of features.1
                float[] fcPruned = p.array("classifier.0.fc.weight").toFloatArray();
                assertEquals(5 * 3, fcPruned.length);
                for (int h = 0; h < 5; h++) {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(fc[h * 6 + k1[i]], fcPruned[h * 3 + i], 0f);
                    }
                }
            }
            // the input network is left unchanged
            assertEquals(List.of(4, 6), net.spec().convWidths());
            assertArrayEquals(w0, net.array("features.0.conv.weight").toFloatArray(), 0f);
        }
    }

    @Test
    void explicitRatiosOverrideTheDefault() {
        try (Network net = tinyWithKnownNorms()) {
            // default 0 (nothing), features.1 at 0.7: keep floor(6 * 0.3) = 1 -> the largest, filter 1
            L1NormPruning m = new L1NormPruning(null, 0, Map.of("features.1", 0.7), Set.of());
            assertEquals(Map.of("features.1", 0.7), m.ratios(net.graph()));
            PruneResult r = m.prune(net);
            try (Network p = r.network()) {
                assertEquals(Set.of("features.1"), r.kept().keySet());
                assertArrayEquals(new int[] {1}, r.kept().get("features.1"));
                assertEquals(List.of(4, 1), p.spec().convWidths());
                assertEquals(p.spec().convWidths(), m.prunedSpec(net.spec(), "x").convWidths());
            }
        }
    }

    @Test
    void skipLeavesASpaceUntouched() {
        try (Network net = tinyWithKnownNorms()) {
            float[] w0 = net.array("features.0.conv.weight").toFloatArray();
            L1NormPruning m = new L1NormPruning(null, 0.5, Map.of(), Set.of("features.0"));
            assertEquals(Map.of("features.1", 0.5), m.ratios(net.graph()));
            PruneResult r = m.prune(net);
            try (Network p = r.network()) {
                assertEquals(Set.of("features.1"), r.kept().keySet());
                assertArrayEquals(new int[] {1, 4, 5}, r.kept().get("features.1"));
                assertEquals(List.of(4, 3), p.spec().convWidths());
                assertArrayEquals(w0, p.array("features.0.conv.weight").toFloatArray(), 0f);
            }
        }
    }

    @Test
    void nonPrunableSpaceInExplicitRatiosIsRejectedByName() {
        try (Network net = Network.create(tinyVgg(), 1)) {
            L1NormPruning m = new L1NormPruning(null, 0, Map.of("classifier.0", 0.5), Set.of());
            ArchException e = assertThrows(ArchException.class, () -> m.prune(net));
            assertTrue(e.getMessage().contains("'classifier.0' cannot be pruned"), e.getMessage());
            assertTrue(e.getMessage().contains("hidden units"), e.getMessage());
        }
    }

    @Test
    void coupledResidualSpaceInExplicitRatiosIsRejectedByName() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        L1NormPruning m = new L1NormPruning(null, 0, Map.of("stage1", 0.5), Set.of());
        ArchException e = assertThrows(ArchException.class, () -> m.prunedSpec(spec, "x"));
        // stage1 is written by conv1 and the second conv of each of its 3 blocks
        assertTrue(e.getMessage().contains("'stage1' cannot be pruned"), e.getMessage());
        assertTrue(e.getMessage().contains("residual additions across 4 convs"), e.getMessage());
    }

    @Test
    void unknownSpaceInSkipIsRejectedByName() {
        L1NormPruning m = new L1NormPruning(null, 0.5, Map.of(), Set.of("features.9"));
        ArchException e = assertThrows(ArchException.class, () -> m.prunedSpec(tinyVgg(), "x"));
        assertTrue(e.getMessage().contains("'features.9'"), e.getMessage());
    }

    @Test
    void resnetDefaultRatioPrunesOnlyInnerSpaces() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        Map<String, Double> ratios = new L1NormPruning(null, 0.25, Map.of(), Set.of()).ratios(
                dev.sculptor.engine.arch.LayerGraph.of(spec));
        assertEquals(9, ratios.size());
        for (String id : ratios.keySet()) {
            assertTrue(id.endsWith(".inner"), id);
        }
        // 16 -> 12, 32 -> 24, 64 -> 48; stream widths unchanged
        ArchSpec pruned = new L1NormPruning(null, 0.25, Map.of(), Set.of()).prunedSpec(spec, "r");
        assertEquals(List.of(16, 32, 64), pruned.stageWidths());
        assertEquals(List.of(List.of(12), List.of(12), List.of(12), List.of(24), List.of(24), List.of(24),
                List.of(48), List.of(48), List.of(48)), pruned.blocks());
    }

    @Test
    void keepCountFloorsAndNeverGoesBelowOne() {
        assertEquals(4, Policies.keepCount(4, 0));
        assertEquals(3, Policies.keepCount(6, 0.5));
        assertEquals(2, Policies.keepCount(5, 0.5)); // 2.5 -> 2
        assertEquals(2, Policies.keepCount(4, 0.3)); // 2.8 -> 2
        assertEquals(7, Policies.keepCount(10, 0.25)); // 7.5 -> 7
        assertEquals(7, Policies.keepCount(10, 0.3));
        assertEquals(6, Policies.keepCount(16, 0.6)); // 6.4 -> 6 (ResNet-56-B, stage 1)
        assertEquals(44, Policies.keepCount(64, 0.3)); // 44.8 -> 44
        assertEquals(1, Policies.keepCount(3, 0.9)); // 0.3 -> at least one
        assertEquals(1, Policies.keepCount(1, 0.5));
        assertEquals(1, Policies.keepCount(1, 0.999));
        for (double bad : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            ArchException e = assertThrows(ArchException.class, () -> Policies.keepCount(10, bad));
            assertTrue(e.getMessage().contains("prune ratio must be in [0, 1)"), e.getMessage());
        }
        // the constructor validates every ratio up front
        assertThrows(ArchException.class, () -> new L1NormPruning(null, 1.0, Map.of(), Set.of()));
        assertThrows(ArchException.class, () -> new L1NormPruning(null, 0, Map.of("features.0", -0.5), Set.of()));
        assertThrows(ArchException.class, () -> new L1NormPruning("vgg99-z", 0, Map.of(), Set.of()));
    }

    @Test
    void keepCountIsExactWhenTheProductIsAnInteger() {
        assertEquals(2, Policies.keepCount(10, 0.8));
        assertEquals(2, Policies.keepCount(20, 0.9));
        assertEquals(4, Policies.keepCount(20, 0.8));
        assertEquals(3, Policies.keepCount(30, 0.9));
    }

    @Test
    void prunedSpecDependsOnRatiosOnly() {
        ArchSpec p = new L1NormPruning(null, 0.5, Map.of("features.1", 0.25), Set.of()).prunedSpec(tinyVgg(), "n");
        assertEquals(List.of(2, 4), p.convWidths()); // 4 * 0.5 = 2, floor(6 * 0.75) = 4
        assertEquals("n", p.name());
        assertFalse(p.equals(tinyVgg()));
    }

    /**
     * Li et al.'s ResNet presets keep the residual streams whole (and refuse the streams option); with a ratio the
     * option narrows them too: keepCount at 0.3 keeps 11/16, 22/32, 44/64, nested across stages, each stream
     * dropping the channels of smallest L1 norm summed over every writer here and in later streams; the shrunk
     * network equals the original with those channels zeroed.
     */
    @Test
    void streamsOptionNarrowsResnetStreamsOnlyWhenAsked() {
        ArchSpec r56 = Architectures.named("resnet56", List.of(3, 32, 32), 10);
        for (String preset : List.of("resnet56-a", "resnet56-b")) {
            assertEquals(List.of(16, 32, 64), L1NormPruning.preset(preset).prunedSpec(r56, preset).stageWidths());
            ArchException e = assertThrows(ArchException.class, () -> new L1NormPruning(preset, 0, Map.of(), Set.of(), true));
            assertTrue(e.getMessage().contains("keeps the residual streams whole"), e.getMessage());
        }
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        L1NormPruning l1 = new L1NormPruning(null, 0.3, Map.of(), Set.of(), true);
        assertTrue(l1.settings().get("streams").getAsBoolean());
        assertFalse(new L1NormPruning(null, 0.3, Map.of(), Set.of()).settings().has("streams"));
        ArchSpec shape = l1.prunedSpec(spec, "r");
        assertEquals(List.of(11, 22, 44), shape.stageWidths());
        assertEquals(List.of(List.of(11), List.of(11), List.of(11), List.of(22), List.of(22), List.of(22),
                List.of(44), List.of(44), List.of(44)), shape.blocks());

        try (Network net = Network.create(spec, 6); ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 4);
            dev.sculptor.engine.arch.LayerGraph g = net.graph();
            PruneResult r = l1.prune(net);
            try (Network p = r.network()) {
                assertEquals(List.of(11, 22, 44), p.spec().stageWidths());
                // stage1 by hand: L1 per channel over the writers of stage1, stage2 and stage3
                float[] chain = new float[16];
                for (String stream : List.of("stage1", "stage2", "stage3")) {
                    for (String conv : g.space(stream).producers()) {
                        float[] w = net.array(conv + ".weight").toFloatArray();
                        int per = w.length / g.layer(conv).out();
                        for (int i = 0; i < 16 * per; i++) {
                            chain[i / per] += Math.abs(w[i]);
                        }
                    }
                }
                assertArrayEquals(Policies.topK(chain, 11), r.kept().get("stage1"));
                // nested: each stream keeps exactly the previous one's channels among those its shortcut carries
                assertArrayEquals(r.kept().get("stage1"),
                        java.util.Arrays.stream(r.kept().get("stage2")).filter(c -> c < 16).toArray());
                assertArrayEquals(r.kept().get("stage2"),
                        java.util.Arrays.stream(r.kept().get("stage3")).filter(c -> c < 32).toArray());
                for (Map.Entry<String, int[]> e : r.kept().entrySet()) {
                    int size = g.space(e.getKey()).size();
                    SoftFilterPruning.zeroChannels(net, g.space(e.getKey()), java.util.stream.IntStream.range(0, size)
                            .filter(c -> java.util.Arrays.binarySearch(e.getValue(), c) < 0).toArray());
                }
                ai.djl.ndarray.NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(3, 3, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
        // a PreResNet's stem and streams narrow each on its own (keepCount: 11/16, 44/64, 89/128, 179/256), and each
        // block reads all of its narrowed input stream
        ArchSpec pre = l1.prunedSpec(Architectures.named("preresnet20", List.of(3, 8, 8), 10), "p");
        assertEquals(11, pre.stem());
        assertEquals(List.of(44, 89, 179), pre.stageWidths());
        assertEquals(11, pre.selection(0).size());
        assertEquals(179, pre.selection(pre.blocks().size()).size());
        // stage2 skipped while stage1 narrows: its shortcut would carry channels stage2 cannot drop
        ArchException e = assertThrows(ArchException.class,
                () -> new L1NormPruning(null, 0.3, Map.of(), Set.of("stage2"), true).prunedSpec(spec, "x"));
        assertTrue(e.getMessage().contains("cannot nest"), e.getMessage());
    }
}
