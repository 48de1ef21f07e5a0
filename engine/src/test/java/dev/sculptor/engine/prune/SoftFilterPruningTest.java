package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import dev.sculptor.engine.train.TrainingHook;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Soft Filter Pruning (He et al., IJCAI 2018) on a tiny VGG whose filter L2 norms are set by hand.
 *
 * <p>features.0 (4 filters of 1x3x3 = 9 weights): filter 0 holds a single 3 (L2 3, L1 3), filter 1
 * nine 0.5s (L2 1.5, L1 4.5), filter 2 nine -1.2s (L2 3.6, L1 10.8), filter 3 a single -2 (L2 2, L1 2).
 * By L2 the two smallest are 1 and 3; by L1 they would be 0 and 3, so the test also tells the norms
 * apart. features.1 (6 filters of 4x3x3 = 36 weights): constant values 0.5, -6, 2, 1, -3, 4, so the
 * L2 norms are 6 |v| = 3, 36, 12, 6, 18, 24.
 */
class SoftFilterPruningTest {

    /** 1x8x8 input, convs of 4 and 6 filters (pool after the first), hidden 5, 3 classes. */
    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    static Network withKnownNorms() {
        Network net = Network.create(tinyVgg(), 7);
        float[] w0 = new float[4 * 9];
        w0[4] = 3f; // filter 0: one element
        for (int j = 0; j < 9; j++) {
            w0[9 + j] = 0.5f; // filter 1
            w0[18 + j] = -1.2f; // filter 2
        }
        w0[27] = -2f; // filter 3: one element
        net.array("features.0.conv.weight").set(w0);
        float[] v1 = {0.5f, -6f, 2f, 1f, -3f, 4f};
        float[] w1 = new float[6 * 36];
        for (int o = 0; o < 6; o++) {
            for (int j = 0; j < 36; j++) {
                w1[o * 36 + j] = v1[o];
            }
        }
        net.array("features.1.conv.weight").set(w1);
        StructuredPrunerTest.randomiseBatchNorms(net, 3);
        return net;
    }

    /** Snapshot of every tensor. */
    static Map<String, float[]> tensors(Network net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String n : net.tensorNames()) {
            out.put(n, net.array(n).toFloatArray());
        }
        return out;
    }

    /** Output channels (rows) of a tensor whose entries are all zero. */
    static List<Integer> zeroRows(float[] values, int rows) {
        int per = values.length / rows;
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            boolean zero = true;
            for (int j = r * per; j < (r + 1) * per; j++) {
                zero &= values[j] == 0f;
            }
            if (zero) {
                out.add(r);
            }
        }
        return out;
    }

    static float[] row(float[] values, int rows, int r) {
        int per = values.length / rows;
        return java.util.Arrays.copyOfRange(values, r * per, (r + 1) * per);
    }

    @Test
    void scoresAreFilterL2Norms() {
        try (Network net = withKnownNorms()) {
            Map<String, float[]> s = SoftFilterPruning.l2FilterNorm().scores(net);
            assertEquals(List.of("features.0", "features.1"), List.copyOf(s.keySet()));
            assertArrayEquals(new float[] {3f, 1.5f, 3.6f, 2f}, s.get("features.0"), 1e-5f);
            assertArrayEquals(new float[] {3f, 36f, 12f, 6f, 18f, 24f}, s.get("features.1"), 1e-4f);
        }
    }

    @Test
    void epochEndHookZeroesExactlyTheSmallestL2Filters() {
        try (Network net = withKnownNorms()) {
            Map<String, float[]> before = tensors(net);
            // 0.5 everywhere, 0.34 for features.1: zero int(4 * 0.5) = 2 and int(6 * 0.34) = 2 filters (the
            // engine's old rounding, 6 - floor(6 * 0.66), would have zeroed 3)
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of("features.1", 0.34), Set.of());
            assertEquals(1, sfp.baselineHooks().size());
            sfp.baselineHooks().get(0).afterEpoch(net, 0);
            Map<String, float[]> after = tensors(net);

            // L2 1.5 and 2 go (L1 would have taken filters 0 and 3)
            assertEquals(List.of(1, 3), zeroRows(after.get("features.0.conv.weight"), 4));
            // L2 3 and 6 go
            assertEquals(List.of(0, 3), zeroRows(after.get("features.1.conv.weight"), 6));
            Map<String, List<Integer>> zeroed = Map.of("features.0", List.of(1, 3), "features.1", List.of(0, 3));
            Map<String, Integer> sizes = Map.of("features.0", 4, "features.1", 6);
            for (String space : zeroed.keySet()) {
                int n = sizes.get(space);
                for (int c = 0; c < n; c++) {
                    boolean z = zeroed.get(space).contains(c);
                    for (String t : List.of(".conv.weight")) {
                        float[] a = row(after.get(space + t), n, c);
                        if (z) {
                            for (float v : a) {
                                assertEquals(0f, v, 0f, space + t + " channel " + c);
                                assertEquals(0, Float.floatToIntBits(v), "+0.0, not -0.0");
                            }
                        } else {
                            assertArrayEquals(row(before.get(space + t), n, c), a, 0f, space + t + " channel " + c);
                        }
                    }
                }
                // BN is left alone: only conv weights are zeroed, as the reference
                for (String t : List.of(".bn.gamma", ".bn.beta")) {
                    assertArrayEquals(before.get(space + t), after.get(space + t), 0f, space + t);
                }
                assertArrayEquals(before.get(space + ".bn.runningMean"), after.get(space + ".bn.runningMean"), 0f);
                assertArrayEquals(before.get(space + ".bn.runningVar"), after.get(space + ".bn.runningVar"), 0f);
            }
            // nothing else is touched (the consumers' input slices of zeroed channels included)
            for (String t : List.of("classifier.0.fc.weight", "classifier.0.fc.bias", "classifier.0.bn.gamma",
                    "classifier.out.weight")) {
                assertArrayEquals(before.get(t), after.get(t), 0f, t);
            }

            // a second call zeroes the same filters again (their norms are now 0) and nothing more
            Map<String, int[]> again = sfp.softPrune(net);
            assertArrayEquals(new int[] {1, 3}, again.get("features.0.conv"));
            assertArrayEquals(new int[] {0, 3}, again.get("features.1.conv"));
            assertArrayEquals(after.get("features.0.conv.weight"), net.array("features.0.conv.weight").toFloatArray(), 0f);
        }
    }

    /** The epoch-end hook runs outside the trainer's per-batch scope: it must free what it creates. */
    @Test
    void epochEndHookLeavesNoArraysBehind() {
        try (Network net = withKnownNorms()) {
            NDManager system;
            try (NDManager probe = NDManager.newBaseManager()) {
                system = probe.getParentManager();
            }
            TrainingHook hook = new SoftFilterPruning(0.5, Map.of(), Set.of()).baselineHooks().get(0);
            hook.afterEpoch(net, 0);
            int netArrays = net.manager().getManagedArrays().size();
            int systemArrays = system.getManagedArrays().size();
            for (int e = 1; e < 6; e++) {
                hook.afterEpoch(net, e);
            }
            assertEquals(netArrays, net.manager().getManagedArrays().size());
            assertEquals(systemArrays, system.getManagedArrays().size());
        }
    }

    @Test
    void skippedSpacesAreLeftAlone() {
        try (Network net = withKnownNorms()) {
            float[] w0 = net.array("features.0.conv.weight").toFloatArray();
            float[] g0 = net.array("features.0.bn.gamma").toFloatArray();
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of(), Set.of("features.0"));
            assertEquals(Map.of("features.1", 0.5), sfp.rates(net.graph()));
            sfp.baselineHooks().get(0).afterEpoch(net, 3);
            assertArrayEquals(w0, net.array("features.0.conv.weight").toFloatArray(), 0f);
            assertArrayEquals(g0, net.array("features.0.bn.gamma").toFloatArray(), 0f);
            // 6 - floor(6 * 0.5) = 3 smallest: norms 3, 6, 12
            assertEquals(List.of(0, 2, 3), zeroRows(net.array("features.1.conv.weight").toFloatArray(), 6));
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

    /** Records, at every epoch end, the filters, scales and shifts of both conv spaces. */
    static final class Recorder implements TrainingHook {
        final List<Map<String, float[]>> epochs = new ArrayList<>();

        @Override
        public void afterEpoch(Network net, int epoch) {
            epochs.add(tensors(net));
        }
    }

    @Test
    void zeroedFiltersKeepTrainingAndComeBackInTheNextEpoch() {
        try (Network net = Network.create(tinyVgg(), 9)) {
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of(), Set.of());
            Recorder beforeHook = new Recorder();
            Recorder afterHook = new Recorder();
            // 2 epochs of 3 steps; the recorders see each epoch's end before and after the soft pruning
            TrainConfig cfg = new TrainConfig(2, 4, 0.05, 0.9, 1e-4, "constant", 1, false, null, false, false);
            // only the epoch-end step: a filter zeroed before any step has no momentum, and with the BN
            // shift at its initial 0 the ReLU passes it no gradient, so it stays at zero (in the reference too)
            TrainingHook epochEnd = sfp.baselineHooks().get(0);
            Trainer t = new Trainer(cfg).hook(beforeHook).hook(new TrainingHook() {
                @Override
                public void afterEpoch(Network n, int epoch) {
                    epochEnd.afterEpoch(n, epoch);
                }
            });
            t.hook(afterHook).train(net, tinyData(), null);
            assertEquals(2, afterHook.epochs.size());

            Map<String, Integer> sizes = Map.of("features.0", 4, "features.1", 6);
            for (String space : sizes.keySet()) {
                int n = sizes.get(space);
                List<Integer> zeroed = zeroRows(afterHook.epochs.get(0).get(space + ".conv.weight"), n);
                assertEquals(n - Policies.keepCount(n, 0.5), zeroed.size(), space + " after epoch 1: " + zeroed);
                for (int c : zeroed) {
                    // by the end of epoch 2 (before it is soft-pruned again) the filter, its scale and
                    // its shift have all been updated away from zero: no mask holds them
                    Map<String, float[]> next = beforeHook.epochs.get(1);
                    assertTrue(zeroRows(next.get(space + ".conv.weight"), n).isEmpty(), space + " filter " + c);
                    for (float v : row(next.get(space + ".conv.weight"), n, c)) {
                        assertTrue(v != 0f, space + " filter " + c + " has a weight still at zero");
                    }
                    assertTrue(next.get(space + ".bn.gamma")[c] != 0f, space + " gamma " + c);
                    assertTrue(next.get(space + ".bn.beta")[c] != 0f, space + " beta " + c);
                }
            }
            // the final state is soft-pruned again, at the same rate
            assertEquals(2, zeroRows(net.array("features.0.conv.weight").toFloatArray(), 4).size());
            assertEquals(3, zeroRows(net.array("features.1.conv.weight").toFloatArray(), 6).size());
        }
    }

    @Test
    void finalPruneRemovesTheSmallestL2FiltersAndEqualsTheZeroedOriginal() {
        try (Network net = withKnownNorms(); NDManager m = NDManager.newBaseManager()) {
            float[] w1 = net.array("features.1.conv.weight").toFloatArray();
            // int(4 * 0.5) = 2 and int(6 * 0.34) = 2 filters go
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of("features.1", 0.34), Set.of());
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                assertEquals("sfp", r.method());
                assertEquals("t-sfp", p.spec().name());
                assertArrayEquals(new int[] {0, 2}, r.kept().get("features.0"));
                assertArrayEquals(new int[] {1, 2, 4, 5}, r.kept().get("features.1"));
                assertEquals(List.of(2, 4), p.spec().convWidths());
                // kept filter 1 of features.1 (-6 everywhere) reading kept inputs 0 and 2
                float[] pw1 = p.array("features.1.conv.weight").toFloatArray();
                assertEquals(4 * 2 * 9, pw1.length);
                assertEquals(w1[36], pw1[0], 0f);
                assertEquals(-6f, pw1[0], 0f);

                // the original with the removed channels silenced (BN scale and shift 0) computes the same
                for (Map.Entry<String, int[]> e : r.kept().entrySet()) {
                    ChannelSpace s = net.graph().space(e.getKey());
                    for (int c = 0; c < s.size(); c++) {
                        if (java.util.Arrays.binarySearch(e.getValue(), c) < 0) {
                            net.array(s.bn() + ".gamma").set(new ai.djl.ndarray.index.NDIndex(c), 0f);
                            net.array(s.bn() + ".beta").set(new ai.djl.ndarray.index.NDIndex(c), 0f);
                        }
                    }
                }
                NDArray x = m.randomNormal(new Shape(5, 1, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /**
     * After soft pruning, the final prune removes exactly the zeroed filters of every shrinkable
     * space, and the soft-pruned network (zeros in place, then the removed channels silenced) and
     * its shrunk copy compute the same outputs on a batch.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg", "resnet", "preresnet"})
    void softPrunedNetworkEqualsItsShrunkCopy(String family) {
        ArchSpec spec = StructuredPrunerTest.small(family);
        try (Network net = Network.create(spec, 3); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 5);
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Map<String, float[]> before = tensors(net);
            Map<String, int[]> zeroed = sfp.softPrune(net);
            assertFalse(zeroed.isEmpty());
            for (String t : net.tensorNames()) {
                if (!t.endsWith(".weight") || !zeroed.containsKey(t.substring(0, t.length() - ".weight".length()))) {
                    assertArrayEquals(before.get(t), net.array(t).toFloatArray(), 0f, family + ": only conv weights change, " + t);
                }
            }
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                assertFalse(r.kept().isEmpty());
                for (Map.Entry<String, int[]> e : r.kept().entrySet()) {
                    ChannelSpace s = net.graph().space(e.getKey());
                    int[] removed = IntStream.range(0, s.size())
                            .filter(c -> java.util.Arrays.binarySearch(e.getValue(), c) < 0).toArray();
                    for (String producer : s.producers()) {
                        assertArrayEquals(zeroed.get(producer), removed, s.id() + " removes what " + producer + " zeroed");
                    }
                    assertEquals(SoftFilterPruning.prunedCount(s.size(), 0.3), removed.length, s.id());
                }
                assertTrue(p.graph().macs() < net.graph().macs());
                // every residual stream (a PreResNet's stem too) narrows, one choice for all its writers
                for (String stream : net.graph().residualStreams()) {
                    assertTrue(r.kept().containsKey(stream), family + " narrows " + stream);
                }
                if (family.endsWith("resnet")) {
                    assertEquals(spec.stageWidths().stream().map(w -> w - SoftFilterPruning.prunedCount(w, 0.3)).toList(),
                            p.spec().stageWidths(), family);
                }
                if (family.equals("preresnet")) {
                    assertEquals(12, p.spec().stem()); // 16 - int(4.8)
                }
                NDArray x = m.randomNormal(new Shape(4, spec.channels(), spec.height(), spec.width()));
                // with the BN shifts of the zeroed channels in place, the removed channels still speak
                float[] soft = net.forward(x, false).toFloatArray();
                float[] shrunk = p.forward(x, false).toFloatArray();
                double diff = 0;
                for (int i = 0; i < soft.length; i++) {
                    diff = Math.max(diff, Math.abs(soft[i] - shrunk[i]));
                }
                // ten times the equivalence tolerance below
                assertTrue(diff > 1e-4, family + ": soft-pruned differs from shrunk before silencing, by " + diff);
                SoftFilterPruning.silenceRemoved(net, r.kept());
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f, family);
            }
        }
    }

    @Test
    void prunedCountIsIntOfNTimesRate() {
        assertEquals(4, SoftFilterPruning.prunedCount(16, 0.3)); // 4.8
        assertEquals(9, SoftFilterPruning.prunedCount(32, 0.3)); // 9.6
        assertEquals(19, SoftFilterPruning.prunedCount(64, 0.3)); // 19.2
        assertEquals(7, SoftFilterPruning.prunedCount(10, 0.7)); // 7.000000000000001
        assertEquals(3, SoftFilterPruning.prunedCount(10, 0.3)); // exact in decimal, not in doubles
        assertEquals(0, SoftFilterPruning.prunedCount(3, 0.3)); // 0.9
        assertEquals(1, SoftFilterPruning.prunedCount(2, 0.9)); // int(1.8) = 1, one filter stays
        assertEquals(0, SoftFilterPruning.prunedCount(1, 0.9)); // a single filter always stays
        ArchException e = assertThrows(ArchException.class, () -> SoftFilterPruning.prunedCount(8, 1.0));
        assertTrue(e.getMessage().contains("rate must be in [0, 1), got 1.0"), e.getMessage());
    }

    /** Every conv of a ResNet (stem and residual-stream writers included) loses int(n * r) filters. */
    @Test
    void resnetSoftPrunesEveryConv() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 2)) {
            StructuredPrunerTest.randomiseBatchNorms(net, 1);
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Map<String, Double> convs = sfp.convRates(net.graph());
            assertEquals(19, convs.size()); // the stem and 2 convs in each of 9 blocks
            assertTrue(convs.containsKey("conv1") && convs.containsKey("layer3.2.conv2"), convs.keySet().toString());
            // skipping a residual stream leaves out every conv writing it: the stem and stage 1's conv2s
            Map<String, Double> noStage1 = new SoftFilterPruning(0.3, Map.of(), Set.of("stage1")).convRates(net.graph());
            assertEquals(15, noStage1.size());
            for (String c : List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2")) {
                assertFalse(noStage1.containsKey(c), c);
            }

            Map<String, float[]> before = tensors(net);
            Map<String, int[]> zeroed = sfp.softPrune(net);
            assertEquals(convs.keySet(), zeroed.keySet());
            Map<Integer, Integer> expected = Map.of(16, 4, 32, 9, 64, 19);
            for (String conv : zeroed.keySet()) {
                int n = net.graph().layer(conv).out();
                float[] w = net.array(conv + ".weight").toFloatArray();
                List<Integer> zeroRowsNow = zeroRows(w, n);
                assertEquals(expected.get(n), zeroRowsNow.size(), conv);
                assertEquals(zeroRowsNow, java.util.Arrays.stream(zeroed.get(conv)).boxed().toList(), conv);
                String space = net.graph().layer(conv).outSpace();
                if (space.startsWith("stage")) {
                    // a stream's writers share one choice (streamResidualChoiceIsSharedAndNested checks which)
                    String first = net.graph().space(space).producers().get(0);
                    assertArrayEquals(zeroed.get(first), zeroed.get(conv), conv);
                    continue;
                }
                // the zeroed filters of an inner conv had the smallest L2 norms of that conv
                float[] b = before.get(conv + ".weight");
                double maxZeroed = 0;
                double minKept = Double.MAX_VALUE;
                for (int c = 0; c < n; c++) {
                    double norm = 0;
                    for (float v : row(b, n, c)) {
                        norm += (double) v * v;
                    }
                    if (zeroRowsNow.contains(c)) {
                        maxZeroed = Math.max(maxZeroed, norm);
                    } else {
                        minKept = Math.min(minKept, norm);
                    }
                }
                assertTrue(maxZeroed <= minKept, conv);
            }
            // BN and the classifier are untouched
            for (String t : net.tensorNames()) {
                if (!t.endsWith(".weight") || !zeroed.containsKey(t.substring(0, t.length() - ".weight".length()))) {
                    assertArrayEquals(before.get(t), net.array(t).toFloatArray(), 0f, t);
                }
            }
            try (Network p = sfp.prune(net).network()) {
                // the residual streams and the inner widths lose int(n * 0.3)
                assertEquals(List.of(12, 23, 45), p.spec().stageWidths());
                List<Integer> inner = p.spec().blocks().stream().map(b -> b.get(0)).toList();
                assertEquals(List.of(12, 12, 12, 23, 23, 23, 45, 45, 45), inner);
            }
        }
    }

    /**
     * The FLOPs the paper counts for ResNet-56 at rate 0.3, from the layer graph, against a hand count:
     * 16, 32, 64 filters keep 12, 23, 45 (int(n * 0.3) = 4, 9, 19 pruned) at 32x32, 16x16, 8x8.
     */
    @Test
    void referenceFlopsOfResnet56() {
        ArchSpec spec = Architectures.named("resnet56", List.of(3, 32, 32), 10);
        LayerGraph g = LayerGraph.of(spec);
        long full = 9L * 3 * 16 * 1024 + 18L * 9 * 16 * 16 * 1024 + 9L * 16 * 32 * 256 + 17L * 9 * 32 * 32 * 256
                + 9L * 32 * 64 * 64 + 17L * 9 * 64 * 64 * 64 + 64 * 10;
        long pruned = 9L * 3 * 12 * 1024 + 18L * 9 * 12 * 12 * 1024 + 9L * 12 * 23 * 256 + 17L * 9 * 23 * 23 * 256
                + 9L * 23 * 45 * 64 + 17L * 9 * 45 * 45 * 64 + 45 * 10;
        assertEquals(full, g.macs());
        SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
        assertEquals(pruned, sfp.referenceMacs(g));
        double reduction = 1 - (double) pruned / full;
        // 47.4% against the paper's 52.6% (about 1 - 0.7^2): int(n * r) prunes 25%, 28%, 30% of 16, 32,
        // 64 filters rather than 30%, so 1 - (kept/n)^2 per stage is 44%, 48%, 51%; 0.06 covers that
        assertEquals(0.526, reduction, 0.06);
        // the shrunk network has exactly the FLOPs counted, its residual streams narrowed (with the streams at full
        // width, inner widths only, it saved 27.5%: 90,999,424 MACs)
        try (Network net = Network.create(spec, 1)) {
            sfp.softPrune(net);
            try (Network p = sfp.prune(net).network()) {
                assertEquals(List.of(12, 23, 45), p.spec().stageWidths());
                assertEquals(pruned, p.graph().macs());
                assertEquals(0.474, 1 - (double) p.graph().macs() / full, 0.0005);
            }
        }
    }

    /**
     * The residual streams' channels are chosen once for all their writers, ranked by the sum over every writer
     * of the channel in its stream and in the later streams the zero-padding shortcut carries it into. Each
     * stream writer's filter c holds one element, the square root of a chosen squared norm, so every rank is known:
     * stage1's writers (stem and three conv2s) give channel c 10 + c each, so on their own they would remove 0..3;
     * stage2's writers give channels 0 and 1 100 each, so the chain keeps them and stage1 removes 2..5. In
     * stage2's padded channels 16..31 its writers give c and stage3's give 16 and 17 1000, so 18..22 go; stage3's
     * writers give its padded channels 32..63 c, so 32..41 go (every other squared norm is 1, which shifts no
     * rank). The shrunk network equals the soft-pruned one.
     */
    @Test
    void streamResidualChoiceIsSharedAndNested() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 8); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 9);
            LayerGraph g = net.graph();
            for (String stream : List.of("stage1", "stage2", "stage3")) {
                for (String conv : g.space(stream).producers()) {
                    int n = g.layer(conv).out();
                    float[] w = new float[(int) net.array(conv + ".weight").size()];
                    int per = w.length / n;
                    for (int c = 0; c < n; c++) {
                        double sq = switch (stream) {
                            case "stage1" -> 10 + c;
                            case "stage2" -> c < 2 ? 100 : c < 16 ? 1 : c;
                            default -> c == 16 || c == 17 ? 1000 : c < 32 ? 1 : c;
                        };
                        w[c * per] = (float) Math.sqrt(sq);
                    }
                    net.array(conv + ".weight").set(w);
                }
            }
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Map<String, int[]> zeroed = sfp.softPrune(net);
            int[] s1 = {2, 3, 4, 5};
            int[] s2 = {2, 3, 4, 5, 18, 19, 20, 21, 22};
            int[] s3 = IntStream.concat(IntStream.of(s2), IntStream.range(32, 42)).toArray();
            Map<String, int[]> expected = Map.of("stage1", s1, "stage2", s2, "stage3", s3);
            expected.forEach((stream, removed) -> {
                for (String conv : g.space(stream).producers()) {
                    assertArrayEquals(removed, zeroed.get(conv), conv);
                    int n = g.layer(conv).out();
                    assertEquals(java.util.Arrays.stream(removed).boxed().toList(),
                            zeroRows(net.array(conv + ".weight").toFloatArray(), n), conv);
                }
            });
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                expected.forEach((stream, removed) -> assertArrayEquals(IntStream.range(0, g.space(stream).size())
                        .filter(c -> java.util.Arrays.binarySearch(removed, c) < 0).toArray(), r.kept().get(stream), stream));
                assertEquals(List.of(12, 23, 45), p.spec().stageWidths());
                SoftFilterPruning.silenceRemoved(net, r.kept());
                NDArray x = m.randomNormal(new Shape(4, 3, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /**
     * Through training (the hook before the first epoch and after each of two), a ResNet-20's stream writers keep
     * zeroing the same channels, and the trained network's shrunk copy, streams narrowed to 12, 23, 45, computes
     * what the soft-pruned network computes once the removed channels are silenced.
     */
    @Test
    void trainedResnetEqualsItsShrunkCopyWithNarrowedStreams() {
        ArchSpec spec = Architectures.named("resnet20", List.of(1, 8, 8), 3);
        try (Network net = Network.create(spec, 13); NDManager m = NDManager.newBaseManager()) {
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Trainer t = new Trainer(new TrainConfig(2, 4, 0.05, 0.9, 1e-4, "constant", 1, false, null, false, false));
            sfp.baselineHooks().forEach(t::hook);
            t.train(net, tinyData(), null);
            LayerGraph g = net.graph();
            for (String stream : g.residualStreams()) {
                int n = g.space(stream).size();
                List<Integer> first = null;
                for (String conv : g.space(stream).producers()) {
                    List<Integer> zero = zeroRows(net.array(conv + ".weight").toFloatArray(), n);
                    assertEquals(SoftFilterPruning.prunedCount(n, 0.3), zero.size(), conv);
                    if (first == null) {
                        first = zero;
                    }
                    assertEquals(first, zero, conv + " zeroes what its stream's other writers zero");
                }
            }
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                assertEquals(List.of(12, 23, 45), p.spec().stageWidths());
                SoftFilterPruning.silenceRemoved(net, r.kept());
                NDArray x = m.randomNormal(new Shape(4, 1, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /**
     * Where the streams' counts cannot nest (stage2 skipped while stage1 is pruned: stage2 would have to drop
     * what its shortcut no longer carries), the streams keep their width and each writer is soft-pruned on its
     * own norms, as the reference does.
     */
    @Test
    void streamsThatCannotNestKeepTheirWidth() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 5); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 2);
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of("stage2"));
            assertTrue(sfp.streamKeep(net).isEmpty());
            Map<String, int[]> zeroed = sfp.softPrune(net);
            assertFalse(zeroed.containsKey("layer2.0.conv2"));
            assertEquals(4, zeroed.get("conv1").length);
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                assertEquals(List.of(16, 32, 64), p.spec().stageWidths());
                SoftFilterPruning.silenceRemoved(net, r.kept());
                NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /** A resumed run does not soft-prune again before its next epoch: the checkpoint already holds it. */
    @Test
    void resumedRunDoesNotSoftPruneBeforeItsNextEpoch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        int[] calls = {0};
        TrainingHook counter = new TrainingHook() {
            @Override
            public void beforeTraining(Network n) {
                calls[0]++;
            }
        };
        try (Network net = Network.create(tinyVgg(), 12)) {
            new Trainer(new TrainConfig(1, 4, 0.05, 0.9, 1e-4, "constant", 1, false, dir, false, false))
                    .hook(counter).train(net, tinyData(), null);
        }
        assertEquals(1, calls[0]);
        try (Network net = Network.create(tinyVgg(), 12)) {
            var r = new Trainer(new TrainConfig(2, 4, 0.05, 0.9, 1e-4, "constant", 1, false, dir, true, false))
                    .hook(counter).train(net, tinyData(), null);
            assertEquals(0, r.resumedAfterEpoch());
        }
        assertEquals(1, calls[0]);
    }

    /** The hook zeroes the initial model before any training step, as the reference before epoch 1. */
    @Test
    void softPrunesBeforeTheFirstEpoch() {
        try (Network net = Network.create(tinyVgg(), 11)) {
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of(), Set.of());
            List<Map<String, float[]>> seen = new ArrayList<>();
            int[] stepsBefore = {-1};
            int[] steps = {0};
            TrainingHook beforeSfp = new TrainingHook() {
                @Override
                public void beforeTraining(Network n) {
                    seen.add(tensors(n));
                }
            };
            TrainingHook afterSfp = new TrainingHook() {
                @Override
                public void beforeTraining(Network n) {
                    seen.add(tensors(n));
                    stepsBefore[0] = steps[0];
                }

                @Override
                public void afterStep(Network n) {
                    steps[0]++;
                }
            };
            TrainConfig cfg = new TrainConfig(1, 4, 0.05, 0.9, 1e-4, "constant", 1, false, null, false, false);
            Trainer t = new Trainer(cfg).hook(beforeSfp);
            sfp.baselineHooks().forEach(t::hook);
            t.hook(afterSfp).train(net, tinyData(), null);
            assertEquals(2, seen.size());
            assertEquals(0, stepsBefore[0]); // before the first step
            assertEquals(3, steps[0]); // 12 images in batches of 4
            Map<String, Integer> sizes = Map.of("features.0", 4, "features.1", 6);
            for (String space : sizes.keySet()) {
                int n = sizes.get(space);
                assertTrue(zeroRows(seen.get(0).get(space + ".conv.weight"), n).isEmpty(), space);
                assertEquals(n / 2, zeroRows(seen.get(1).get(space + ".conv.weight"), n).size(), space);
                assertArrayEquals(seen.get(0).get(space + ".bn.gamma"), seen.get(1).get(space + ".bn.gamma"), 0f);
            }
        }
    }

    /**
     * A coupled space (here a residual stream, which the graph itself never lets a method prune) is
     * scored over all its producers together and zeroed in every producer and every BN on it.
     */
    @Test
    void coupledSpacesAreScoredAndZeroedAcrossAllProducers() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 4)) {
            StructuredPrunerTest.randomiseBatchNorms(net, 6);
            LayerGraph g = net.graph();
            ChannelSpace stage1 = g.space("stage1");
            assertEquals(List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"), stage1.producers());
            double[] sq = new double[16];
            for (String p : stage1.producers()) {
                float[] w = net.array(p + ".weight").toFloatArray();
                int per = w.length / 16;
                for (int i = 0; i < w.length; i++) {
                    sq[i / per] += (double) w[i] * w[i];
                }
            }
            float[] norms = SoftFilterPruning.l2Norms(net, stage1);
            for (int c = 0; c < 16; c++) {
                assertEquals(Math.sqrt(sq[c]), norms[c], 1e-5, "channel " + c);
            }

            Map<String, float[]> before = tensors(net);
            SoftFilterPruning.zeroChannels(net, stage1, new int[] {2, 5});
            List<String> bns = new ArrayList<>();
            for (Layer l : g.layers()) {
                if (l.kind() == Layer.Kind.BN && "stage1".equals(l.outSpace())) {
                    bns.add(l.name());
                }
            }
            assertEquals(List.of("bn1", "layer1.0.bn2", "layer1.1.bn2", "layer1.2.bn2"), bns);
            Map<String, Integer> changed = new HashMap<>();
            for (String t : net.tensorNames()) {
                float[] a = net.array(t).toFloatArray();
                boolean target = (stage1.producers().stream().anyMatch(p -> t.equals(p + ".weight")))
                        || bns.stream().anyMatch(b -> t.equals(b + ".gamma") || t.equals(b + ".beta"));
                if (target) {
                    assertEquals(List.of(2, 5), zeroRows(a, 16), t);
                    for (int c : new int[] {0, 1, 3, 4, 6, 15}) {
                        assertArrayEquals(row(before.get(t), 16, c), row(a, 16, c), 0f, t);
                    }
                    changed.put(t, 1);
                } else {
                    assertArrayEquals(before.get(t), a, 0f, t);
                }
            }
            assertEquals(4 + 8, changed.size());
        }
    }

    @Test
    void settingsAndValidation() {
        SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of("features.0", 0.5), Set.of("features.1"));
        assertEquals("sfp", sfp.name());
        assertEquals(0.3, sfp.settings().get("rate").getAsDouble(), 0);
        assertEquals(0.5, sfp.settings().getAsJsonObject("rates").get("features.0").getAsDouble(), 0);
        assertEquals("features.1", sfp.settings().getAsJsonArray("skip").get(0).getAsString());
        assertTrue(sfp.settings().get("streams").getAsBoolean(), "marks baselines whose residual streams narrow");
        assertThrows(ArchException.class, () -> new SoftFilterPruning(1.0, Map.of(), Set.of()));
        assertThrows(ArchException.class, () -> new SoftFilterPruning(0.3, Map.of("features.0", -0.1), Set.of()));
        ArchException e = assertThrows(ArchException.class,
                () -> new SoftFilterPruning(0.3, Map.of("classifier.0", 0.5), Set.of()).rates(LayerGraph.of(tinyVgg())));
        assertTrue(e.getMessage().contains("'classifier.0' cannot be pruned"), e.getMessage());
        // rate 0 prunes nothing, and the hook leaves the network alone
        try (Network net = withKnownNorms()) {
            float[] w0 = net.array("features.0.conv.weight").toFloatArray();
            SoftFilterPruning none = new SoftFilterPruning(0, Map.of(), Set.of());
            none.baselineHooks().get(0).afterEpoch(net, 0);
            assertArrayEquals(w0, net.array("features.0.conv.weight").toFloatArray(), 0f);
            PruneResult r = none.prune(net);
            try (Network p = r.network()) {
                assertTrue(r.kept().isEmpty());
                assertEquals(net.spec().convWidths(), p.spec().convWidths());
            }
        }
    }
}
