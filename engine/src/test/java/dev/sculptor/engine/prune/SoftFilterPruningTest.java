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
            // 0.5 everywhere, 0.3 for features.1: zero 4 - floor(4 * 0.5) = 2 and 6 - floor(6 * 0.7) = 2 filters
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of("features.1", 0.3), Set.of());
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
                    for (String t : List.of(".conv.weight", ".bn.gamma", ".bn.beta")) {
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
                // running statistics are left alone
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
            assertArrayEquals(new int[] {1, 3}, again.get("features.0"));
            assertArrayEquals(new int[] {0, 3}, again.get("features.1"));
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
            Trainer t = new Trainer(cfg).hook(beforeHook);
            sfp.baselineHooks().forEach(t::hook);
            t.hook(afterHook).train(net, tinyData(), null);
            assertEquals(2, afterHook.epochs.size());

            Map<String, Integer> sizes = Map.of("features.0", 4, "features.1", 6);
            for (String space : sizes.keySet()) {
                int n = sizes.get(space);
                List<Integer> zeroed = zeroRows(afterHook.epochs.get(0).get(space + ".conv.weight"), n);
                assertEquals(n - Policies.keepCount(n, 0.5), zeroed.size(), space + " after epoch 1: " + zeroed);
                for (int c : zeroed) {
                    for (String t2 : List.of(".bn.gamma", ".bn.beta")) {
                        assertEquals(0f, afterHook.epochs.get(0).get(space + t2)[c], 0f);
                    }
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
            SoftFilterPruning sfp = new SoftFilterPruning(0.5, Map.of("features.1", 0.3), Set.of());
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

    /** After soft pruning, the final prune removes exactly the zeroed filters, with no change of function. */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg", "resnet", "preresnet"})
    void softPrunedNetworkEqualsItsShrunkCopy(String family) {
        ArchSpec spec = StructuredPrunerTest.small(family);
        try (Network net = Network.create(spec, 3); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 5);
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Map<String, int[]> zeroed = sfp.softPrune(net);
            assertFalse(zeroed.isEmpty());
            PruneResult r = sfp.prune(net);
            try (Network p = r.network()) {
                assertEquals(zeroed.keySet(), r.kept().keySet());
                for (Map.Entry<String, int[]> e : zeroed.entrySet()) {
                    ChannelSpace s = net.graph().space(e.getKey());
                    int[] removed = IntStream.range(0, s.size())
                            .filter(c -> java.util.Arrays.binarySearch(r.kept().get(s.id()), c) < 0).toArray();
                    assertArrayEquals(e.getValue(), removed, s.id());
                    assertEquals(s.size() - Policies.keepCount(s.size(), 0.3), removed.length, s.id());
                }
                assertTrue(p.graph().macs() < net.graph().macs());
                NDArray x = m.randomNormal(new Shape(4, spec.channels(), spec.height(), spec.width()));
                assertArrayEquals(net.forward(x, false).toFloatArray(), p.forward(x, false).toFloatArray(), 1e-5f, family);
            }
        }
    }

    @Test
    void resnetPrunesOnlyInnerSpaces() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 2)) {
            SoftFilterPruning sfp = new SoftFilterPruning(0.3, Map.of(), Set.of());
            Map<String, Double> rates = sfp.rates(net.graph());
            assertEquals(9, rates.size());
            rates.keySet().forEach(id -> assertTrue(id.endsWith(".inner"), id));

            Map<String, float[]> before = tensors(net);
            Map<String, int[]> zeroed = sfp.softPrune(net);
            assertEquals(rates.keySet(), zeroed.keySet());
            Set<String> touched = new java.util.HashSet<>();
            for (String id : zeroed.keySet()) {
                String block = id.substring(0, id.length() - ".inner".length());
                touched.addAll(List.of(block + ".conv1.weight", block + ".bn1.gamma", block + ".bn1.beta"));
                int n = net.graph().space(id).size();
                assertEquals(n - Policies.keepCount(n, 0.3), zeroed.get(id).length, id);
                for (int c : zeroed.get(id)) {
                    assertTrue(zeroRows(net.array(block + ".conv1.weight").toFloatArray(), n).contains(c));
                }
            }
            // the stem, every second conv and their BNs (the residual streams) are untouched
            for (String t : net.tensorNames()) {
                if (!touched.contains(t)) {
                    assertArrayEquals(before.get(t), net.array(t).toFloatArray(), 0f, t);
                }
            }
            try (Network p = sfp.prune(net).network()) {
                assertEquals(List.of(16, 32, 64), p.spec().stageWidths());
                // 16 -> floor(11.2) = 11, 32 -> 22, 64 -> 44
                List<Integer> inner = p.spec().blocks().stream().map(b -> b.get(0)).toList();
                assertEquals(List.of(11, 11, 11, 22, 22, 22, 44, 44, 44), inner);
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
