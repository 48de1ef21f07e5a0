package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.Batch;
import dev.sculptor.engine.data.BatchIterator;
import dev.sculptor.engine.data.ImageDataset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ThiNet and channel regression as whole pruning methods on tiny networks and random images:
 * which channels go, what the shrunk network computes, and which spaces may be touched.
 */
class SampledPruningTest {

    /** 1x8x8 input, convs of 4 and 6 filters (pool after the first), hidden 5, 3 classes. */
    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    /** {@code n} random images of c x h x w, 3 classes. */
    static ImageDataset tinyData(int n, int c, int h, int w) {
        Random r = new Random(17);
        byte[] px = new byte[n * c * h * w];
        r.nextBytes(px);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        Arrays.fill(mean, 0.5f);
        Arrays.fill(std, 0.3f);
        return ImageDataset.of("random", c, h, w, 3, px, labels, mean, std);
    }

    static PruningMethod method(String name, ImageDataset data, Map<String, Double> ratios, double ratio, boolean refit) {
        return switch (name) {
            case "thinet" -> new ThiNetPruning(data, null, ratio, ratios, Set.of(), 64, 4, refit, 1);
            case "regression" -> new ChannelRegressionPruning(data, ratio, ratios, Set.of(), 64, 4, refit, 1);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Random N(0, 0.5) linear weights: the default N(0, 0.01) makes logits too small to compare. */
    static void randomiseLinears(Network net, long seed) {
        Random r = new Random(seed);
        for (String l : List.of("classifier.0.fc", "classifier.out")) {
            NDArray w = net.array(l + ".weight");
            float[] v = new float[(int) w.getShape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.5 * r.nextGaussian());
            }
            w.set(v);
        }
    }

    /** Logits of every image of {@code data}, in eval mode. */
    static float[] logits(Network net, ImageDataset data) {
        float[] out = new float[0];
        BatchIterator it = BatchIterator.of(data, 64);
        while (it.hasNext()) {
            Batch b = it.next();
            try (NDManager m = net.manager().newSubManager()) {
                NDArray x = m.create(b.images(), new Shape(b.count(), b.channels(), b.height(), b.width()));
                float[] y = net.forward(x, false).toFloatArray();
                float[] all = Arrays.copyOf(out, out.length + y.length);
                System.arraycopy(y, 0, all, out.length, y.length);
                out = all;
            }
        }
        return out;
    }

    static double meanSquaredDifference(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s / a.length;
    }

    /** (a) Input channels the next layer ignores contribute exactly nothing: they, and only they, go. */
    @ParameterizedTest
    @ValueSource(strings = {"thinet", "regression"})
    void channelsTheNextLayerIgnoresAreRemoved(String name) {
        ImageDataset data = tinyData(32, 1, 8, 8);
        try (Network net = Network.create(tinyVgg(), 3)) {
            randomiseLinears(net, 6);
            // a positive shift keeps every channel alive, so only the ignored ones contribute nothing
            net.array("features.0.bn.beta").set(new float[] {1, 1, 1, 1});
            net.array("features.1.bn.beta").set(new float[] {1, 1, 1, 1, 1, 1});
            for (int c : new int[] {1, 3}) {
                net.array("features.1.conv.weight").set(new NDIndex(":, " + c), 0f);
            }
            for (int c : new int[] {0, 4}) {
                net.array("classifier.0.fc.weight").set(new NDIndex(":, " + c), 0f);
            }
            PruneResult r = method(name, data, Map.of("features.0", 0.5, "features.1", 1.0 / 3), 0, true).prune(net);
            try (Network pruned = r.network()) {
                assertEquals(List.of("features.0", "features.1"), List.copyOf(r.kept().keySet()));
                assertArrayEquals(new int[] {0, 2}, r.kept().get("features.0"));
                assertArrayEquals(new int[] {1, 2, 3, 5}, r.kept().get("features.1"));
                assertEquals(List.of(2, 4), pruned.spec().convWidths());
                assertEquals(name, r.method());
                JsonObject s = r.settings();
                assertEquals(32, s.get("sampledImages").getAsInt());
                // thinet: 4 rows per image for both consumers; regression: 4 for the conv, 1 for the linear
                assertEquals(name.equals("thinet") ? 2 * 32 * 4 : 32 * 4 + 32, s.get("sampledRows").getAsLong());
                assertTrue(r.seconds() > 0 && s.get("seconds").getAsDouble() == r.seconds());
            }
        }
    }

    /**
     * (d) Without refit the shrunk network computes what the original computes with the removed
     * channels zeroed; with refit its outputs on the sampled images are closer to the original's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"thinet", "regression"})
    void withoutRefitShrinkingEqualsZeroingAndRefitGetsCloser(String name) {
        ImageDataset data = tinyData(48, 1, 8, 8);
        try (Network net = Network.create(tinyVgg(), 4); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 6);
            randomiseLinears(net, 7);
            float[] original = logits(net, data);
            PruneResult plain = method(name, data, Map.of(), 0.5, false).prune(net);
            PruneResult refit = method(name, data, Map.of(), 0.5, true).prune(net);
            try (Network p = plain.network(); Network q = refit.network()) {
                assertEquals(List.of(2, 3), p.spec().convWidths());
                double errPlain = meanSquaredDifference(original, logits(p, data));
                double errRefit = meanSquaredDifference(original, logits(q, data));
                assertTrue(errRefit < errPlain, "refit " + errRefit + " vs none " + errPlain);

                NDArray x = m.randomNormal(new Shape(5, 1, 8, 8));
                float[] actual = p.forward(x, false).toFloatArray();
                for (Map.Entry<String, int[]> e : plain.kept().entrySet()) {
                    ChannelSpace s = net.graph().space(e.getKey());
                    for (int c = 0; c < s.size(); c++) {
                        if (Arrays.binarySearch(e.getValue(), c) < 0) {
                            // conv -> BN -> ReLU: a zero scale and shift make the channel's output exactly 0
                            net.array(s.bn() + ".gamma").set(new NDIndex(c), 0f);
                            net.array(s.bn() + ".beta").set(new NDIndex(c), 0f);
                        }
                    }
                }
                float[] expected = net.forward(x, false).toFloatArray();
                assertArrayEquals(expected, actual, 1e-5f);
            }
        }
    }

    /** (f) In a ResNet only the block-internal widths are pruned; the residual streams stay whole. */
    @ParameterizedTest
    @ValueSource(strings = {"thinet", "regression"})
    void resnetPrunesOnlyInnerSpaces(String name) {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        ImageDataset data = tinyData(12, 3, 8, 8);
        try (Network net = Network.create(spec, 2); NDManager m = NDManager.newBaseManager()) {
            PruneResult r = method(name, data, Map.of(), 0.5, true).prune(net);
            try (Network pruned = r.network()) {
                List<String> inner = IntStream.range(0, 9).mapToObj(i -> net.graph().blockName(i) + ".inner").toList();
                assertEquals(inner, List.copyOf(r.kept().keySet()));
                for (String s : inner) {
                    assertEquals(net.graph().space(s).size() / 2, r.kept().get(s).length, s);
                }
                assertEquals(spec.stageWidths(), pruned.spec().stageWidths());
                for (String stream : List.of("stage1", "stage2", "stage3")) {
                    assertEquals(net.graph().space(stream).size(), pruned.graph().space(stream).size());
                }
                assertTrue(pruned.graph().macs() < net.graph().macs());
                assertEquals(new Shape(2, 10), pruned.forward(m.randomNormal(new Shape(2, 3, 8, 8)), false).getShape());
            }
        }
    }

    /** (e) Bad settings fail at once with messages that say what is wrong. */
    @Test
    void badSettingsAreRefusedClearly() {
        ImageDataset data = tinyData(8, 1, 8, 8);
        for (String name : List.of("thinet", "regression")) {
            ArchException e = assertThrows(ArchException.class, () -> method(name, data, Map.of(), 1.0, true));
            assertTrue(e.getMessage().contains("ratio must be in [0, 1)"), e.getMessage());
            e = assertThrows(ArchException.class, () -> method(name, data, Map.of(), -0.1, true));
            assertTrue(e.getMessage().contains("ratio must be in [0, 1)"), e.getMessage());
            e = assertThrows(ArchException.class, () -> method(name, data, Map.of("features.0", 1.5), 0.5, true));
            assertTrue(e.getMessage().contains("ratio must be in [0, 1)"), e.getMessage());
            e = assertThrows(ArchException.class, () -> method(name, null, Map.of(), 0.5, true));
            assertTrue(e.getMessage().contains("needs the training data"), e.getMessage());
        }
        ArchException e = assertThrows(ArchException.class,
                () -> new ThiNetPruning(data, null, 0.5, Map.of(), Set.of(), 0, 10, true, 1));
        assertTrue(e.getMessage().contains("samples (training images to sample) must be positive, got 0"), e.getMessage());
        e = assertThrows(ArchException.class,
                () -> new ChannelRegressionPruning(data, 0.5, Map.of(), Set.of(), 0, 10, true, 1));
        assertTrue(e.getMessage().contains("samples"), e.getMessage());
        e = assertThrows(ArchException.class,
                () -> new ChannelRegressionPruning(data, 0.5, Map.of(), Set.of(), 16, 0, true, 1));
        assertTrue(e.getMessage().contains("locations"), e.getMessage());

        try (Network net = Network.create(tinyVgg(), 3)) {
            // a space that is not a conv-channel space
            e = assertThrows(ArchException.class,
                    () -> method("thinet", data, Map.of("classifier.0", 0.5), 0, true).prune(net));
            assertTrue(e.getMessage().contains("'classifier.0' cannot be pruned by thinet"), e.getMessage());
            // data that do not fit the model
            ImageDataset rgb = tinyData(8, 3, 8, 8);
            e = assertThrows(ArchException.class, () -> method("regression", rgb, Map.of(), 0.5, true).prune(net));
            assertTrue(e.getMessage().contains("3x8x8 images but t takes 1x8x8"), e.getMessage());
        }
    }
}
