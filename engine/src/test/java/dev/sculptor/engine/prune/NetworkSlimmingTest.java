package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.metrics.Evaluator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Network Slimming (Liu et al. 2017): global threshold on |gamma| and the L1 subgradient on gamma. */
class NetworkSlimmingTest {

    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    static final float[] G0 = {0.5f, -0.05f, 0.3f, 0.02f};
    static final float[] G1 = {0.01f, 0.9f, -0.4f, 0.03f, 0.2f, 0.6f};

    /** Scores |gamma| sorted: .01 .02 .03 .05 .2 .3 .4 .5 .6 .9 (10 channels over two layers). */
    static Network withKnownGammas() {
        Network net = Network.create(tinyVgg(), 5);
        net.array("features.0.bn.gamma").set(G0);
        net.array("features.1.bn.gamma").set(G1);
        // the classifier BN is not a gating BN: a tiny scale there must not count
        net.array("classifier.0.bn.gamma").set(new float[] {0.001f, 0.001f, 0.001f, 0.001f, 0.001f});
        return net;
    }

    @Test
    void scoresAreAbsoluteGammasOfPrunableSpaces() {
        try (Network net = withKnownGammas()) {
            Map<String, float[]> s = Importances.bnScale().scores(net);
            assertEquals(List.of("features.0", "features.1"), List.copyOf(s.keySet()));
            assertArrayEquals(new float[] {0.5f, 0.05f, 0.3f, 0.02f}, s.get("features.0"), 0f);
            assertArrayEquals(new float[] {0.01f, 0.9f, 0.4f, 0.03f, 0.2f, 0.6f}, s.get("features.1"), 0f);
        }
    }

    @Test
    void globalThresholdPicksExpectedChannels() {
        try (Network net = withKnownGammas()) {
            float[] beta1 = net.array("features.1.bn.beta").toFloatArray();
            // percent 0.4: position 4 of 10 -> threshold 0.2, strictly above stays
            PruneResult r = new NetworkSlimming(0.4, 1e-4).prune(net);
            try (Network p = r.network()) {
                assertEquals(Set.of("features.0", "features.1"), r.kept().keySet());
                assertArrayEquals(new int[] {0, 2}, r.kept().get("features.0"));
                assertArrayEquals(new int[] {1, 2, 5}, r.kept().get("features.1"));
                assertEquals(List.of(2, 3), p.spec().convWidths());
                assertEquals("t-slim40", p.spec().name());
                assertEquals("slimming", r.method());
                assertArrayEquals(new float[] {0.5f, 0.3f}, p.array("features.0.bn.gamma").toFloatArray(), 0f);
                assertArrayEquals(new float[] {0.9f, -0.4f, 0.6f}, p.array("features.1.bn.gamma").toFloatArray(), 0f);
                assertArrayEquals(new float[] {beta1[1], beta1[2], beta1[5]},
                        p.array("features.1.bn.beta").toFloatArray(), 0f);
            }
        }
    }

    @Test
    void aLayerBelowTheThresholdKeepsItsBestChannel() {
        try (Network net = withKnownGammas()) {
            // percent 0.7: position 7 -> threshold 0.5: features.0 has nothing above (0.5 is not > 0.5)
            PruneResult r = new NetworkSlimming(0.7, 0).prune(net);
            try (Network p = r.network()) {
                assertArrayEquals(new int[] {0}, r.kept().get("features.0"));
                assertArrayEquals(new int[] {1, 5}, r.kept().get("features.1"));
                assertEquals(List.of(1, 2), p.spec().convWidths());
            }
        }
    }

    @Test
    void percentZeroKeepsTheArchitecture() {
        try (Network net = withKnownGammas()) {
            PruneResult r = new NetworkSlimming(0, 1e-4).prune(net);
            try (Network p = r.network()) {
                assertTrue(r.kept().isEmpty());
                assertEquals(List.of(4, 6), p.spec().convWidths());
            }
        }
    }

    @Test
    void settingsAndValidation() {
        assertEquals(List.of(), new NetworkSlimming(0.5, 0).baselineHooks());
        assertEquals(1, new NetworkSlimming(0.5, 1e-4).baselineHooks().size());
        for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
            ArchException e = assertThrows(ArchException.class, () -> new NetworkSlimming(bad, 1e-4));
            assertTrue(e.getMessage().contains("slimming percent"), e.getMessage());
        }
        for (double bad : new double[] {-1e-4, Double.NaN, Double.POSITIVE_INFINITY}) {
            ArchException e = assertThrows(ArchException.class, () -> new NetworkSlimming(0.5, bad));
            assertTrue(e.getMessage().contains("slimming lambda"), e.getMessage());
        }
        assertEquals(0.5, new NetworkSlimming(0.5, 1e-4).settings().get("percent").getAsDouble());
    }

    @Test
    void lambdaDefaultsFollowTheFamilyAsTheReference() {
        List<Integer> cifar = List.of(3, 32, 32);
        // the reference: main.py -sr --s 0.0001 for vgg, --s 0.00001 for (pre)resnet-164 and densenet-40
        assertEquals(1e-4, NetworkSlimming.defaultLambda("vgg"));
        assertEquals(1e-4, NetworkSlimming.defaultLambda("resnet"));
        assertEquals(1e-4, NetworkSlimming.defaultLambda("lenet"));
        assertEquals(1e-5, NetworkSlimming.defaultLambda("preresnet"));
        assertEquals(1e-5, NetworkSlimming.defaultLambda("densenet"));
        ArchSpec pre = Architectures.named("preresnet164", cifar, 10);
        ArchSpec vgg = Architectures.named("vgg19-slim", cifar, 10);
        assertEquals(1e-5, NetworkSlimming.forArch(0.4, null, pre).settings().get("lambda").getAsDouble());
        assertEquals(1e-4, NetworkSlimming.forArch(0.7, null, vgg).settings().get("lambda").getAsDouble());
        assertEquals(3e-4, NetworkSlimming.forArch(0.7, 3e-4, pre).settings().get("lambda").getAsDouble(), "given wins");
        // the registry: slimming by family, the others (and an unknown architecture) the contract's
        assertEquals(1e-5, MethodDef.NETWORK_SLIMMING.defaultLambda(pre));
        assertEquals(1e-4, MethodDef.NETWORK_SLIMMING.defaultLambda(Architectures.named("resnet56", cifar, 10)));
        assertEquals(MethodDef.DEFAULT_LAMBDA, MethodDef.NETWORK_SLIMMING.defaultLambda(null));
        assertEquals(MethodDef.DEFAULT_LAMBDA, MethodDef.SPARSE_STRUCTURE_SELECTION.defaultLambda(pre));
        ArchException e = assertThrows(ArchException.class, () -> NetworkSlimming.defaultLambda("mobilenet"));
        assertTrue(e.getMessage().contains("mobilenet"), e.getMessage());
    }

    @Test
    void histogramCountsTheGatingScalesInEqualBins() {
        try (Network net = withKnownGammas()) {
            // |gamma| .01 .02 .03 .05 .2 | .3 .4 | .5 .6 | .9 over edges 0, .225, .45, .675, .9; the classifier BN's
            // 0.001 scales are not counted (not a gating BN)
            NetworkSlimming.ScaleHistogram h = NetworkSlimming.scaleHistogram(net, 4, 0.04);
            assertEquals(List.of(5, 2, 2, 1), h.counts());
            assertEquals(5, h.edges().size());
            assertEquals(0.0, h.edges().get(0));
            assertEquals(0.9f, h.edges().get(4), 0);
            assertEquals(0.45, h.edges().get(2), 1e-7);
            assertEquals(10, h.channels());
            assertEquals(3, h.below());
            assertEquals(0.3, h.fractionBelow(), 1e-12);
            assertEquals(0.9f, h.max(), 0);
            com.google.gson.JsonObject j = h.toJson();
            assertEquals(4, j.getAsJsonArray("counts").size());
            assertEquals(0.3, j.get("fractionBelow").getAsDouble(), 1e-12);
            assertTrue(h.toText().contains("3 of 10 scales (30.0%) below 0.04"), h.toText());
            // a value exactly on an inner edge goes to the bin above it
            net.array("features.0.bn.gamma").set(new float[] {0.45f, 0.45f, 0.45f, 0.45f});
            net.array("features.1.bn.gamma").set(new float[] {0.9f, 0f, 0f, 0f, 0f, 0f});
            assertEquals(List.of(5, 0, 4, 1), NetworkSlimming.scaleHistogram(net, 4, 0.04).counts());
        }
    }

    @Test
    void histogramOfAllZeroScalesAndBadArguments() {
        try (Network net = withKnownGammas()) {
            net.array("features.0.bn.gamma").set(new float[4]);
            net.array("features.1.bn.gamma").set(new float[6]);
            NetworkSlimming.ScaleHistogram h = NetworkSlimming.scaleHistogram(net);
            assertEquals(NetworkSlimming.HISTOGRAM_BINS + 1, h.edges().size());
            assertEquals(1.0, h.edges().get(NetworkSlimming.HISTOGRAM_BINS));
            assertEquals(10, h.counts().get(0));
            assertEquals(1.0, h.fractionBelow());
            ArchException e = assertThrows(ArchException.class, () -> NetworkSlimming.scaleHistogram(net, 0, 0.01));
            assertTrue(e.getMessage().contains("bins"), e.getMessage());
            e = assertThrows(ArchException.class, () -> NetworkSlimming.scaleHistogram(net, 4, -1));
            assertTrue(e.getMessage().contains("threshold"), e.getMessage());
        }
    }

    @Test
    void thePlanRecordsLambdaAndTheHistogramAndReportsIt() {
        try (Network net = withKnownGammas()) {
            List<String> reported = new ArrayList<>();
            PrunePlan plan = new NetworkSlimming(0.4, 2e-5).reportingTo(reported::add).plan(net);
            com.google.gson.JsonObject s = plan.settings();
            assertEquals(2e-5, s.get("lambda").getAsDouble());
            com.google.gson.JsonObject h = s.getAsJsonObject("scaleHistogram");
            assertEquals(10, h.get("channels").getAsInt());
            assertEquals(NetworkSlimming.HISTOGRAM_BINS, h.getAsJsonArray("counts").size());
            int sum = 0;
            for (var c : h.getAsJsonArray("counts")) {
                sum += c.getAsInt();
            }
            assertEquals(10, sum);
            // .01 (as a float just under 0.01) is the only scale below the default 1e-2
            assertEquals(1, h.get("below").getAsInt());
            assertEquals(1, reported.size());
            assertTrue(reported.get(0).contains("1 of 10 scales") && reported.get(0).contains("lambda 2.0E-5"),
                    reported.get(0));
            // the 40% cut takes .01 .02 .03 .05 .2 (threshold at position 4: .2): four are not below 1e-2, which is said
            assertTrue(reported.get(0).contains("the 40% cut removes 5 channels, |gamma| up to 0.2000; warning: 4 of them "
                    + "are not near zero"), reported.get(0));
            // the method's own settings stay what was asked for
            assertTrue(!new NetworkSlimming(0.4, 2e-5).settings().has("scaleHistogram"));
        }
    }

    @Test
    void gatingBatchNormsAreThoseOfPrunableSpaces() {
        try (Network vgg = Network.create(tinyVgg(), 1)) {
            assertEquals(Set.of("features.0.bn", "features.1.bn"), NetworkSlimming.gatingBatchNorms(vgg));
        }
        try (Network res = Network.create(Architectures.named("resnet20", List.of(3, 8, 8), 10), 1)) {
            Set<String> bns = NetworkSlimming.gatingBatchNorms(res);
            assertEquals(9, bns.size());
            for (String bn : bns) {
                assertTrue(bn.matches("layer[123]\\.[012]\\.bn1"), bn);
            }
        }
    }

    /** One training-mode forward/backward on a fixed batch so every parameter has a gradient. */
    static void backwardOnce(Network net, NDManager m) {
        ArchSpec spec = net.spec();
        int n = 4;
        int size = spec.channels() * spec.height() * spec.width();
        float[] pixels = new float[n * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(0.37 * i) + 0.1f * (i % 7);
        }
        NDArray x = m.create(pixels, new Shape(n, spec.channels(), spec.height(), spec.width()));
        NDArray y = m.create(new int[] {0, 1, 2, 1}).toType(DataType.INT64, false);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = net.forward(x, true);
            NDArray loss = Evaluator.lossVector(logits, y).mean();
            gc.backward(loss);
        }
    }

    static Map<String, float[]> gradients(Network net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : net.tensorNames()) {
            NDArray a = net.array(name);
            if (a.hasGradient()) {
                try (NDArray g = a.getGradient()) {
                    out.put(name, g.toFloatArray());
                }
            }
        }
        return out;
    }

    /** Checks after == before + lambda * sign(gamma) on the gating BN scales, and no change elsewhere. */
    static void checkHook(Network net, Set<String> gating, double lambda) {
        try (NDManager m = net.manager().newSubManager()) {
            backwardOnce(net, m);
            Map<String, float[]> before = gradients(net);
            Map<String, float[]> gammas = new LinkedHashMap<>();
            for (String name : before.keySet()) {
                gammas.put(name, net.array(name).toFloatArray());
            }
            assertTrue(before.keySet().containsAll(net.trainableParameters().stream().map(p -> p.getName()).toList()));
            NetworkSlimming.sparsityHook(lambda).afterBackward(net);
            Map<String, float[]> after = gradients(net);
            assertEquals(before.keySet(), after.keySet());
            int touched = 0;
            for (String name : before.keySet()) {
                float[] b = before.get(name);
                float[] a = after.get(name);
                String bn = name.endsWith(".gamma") ? name.substring(0, name.length() - ".gamma".length()) : null;
                if (bn != null && gating.contains(bn)) {
                    touched++;
                    float[] g = gammas.get(name);
                    for (int i = 0; i < b.length; i++) {
                        float expected = b[i] + Math.signum(g[i]) * (float) lambda;
                        assertEquals(expected, a[i], Math.ulp(expected), name + "[" + i + "] gamma " + g[i]);
                    }
                } else {
                    assertArrayEquals(b, a, 0f, name + " must be left alone");
                }
            }
            assertEquals(gating.size(), touched);
        }
    }

    @Test
    void sparsityHookAddsLambdaSignGammaOnVgg() {
        try (Network net = Network.create(tinyVgg(), 2)) {
            // signs +, -, 0 and +; the hook adds +lambda, -lambda, 0, +lambda
            net.array("features.0.bn.gamma").set(new float[] {0.5f, -0.25f, 0f, 1e-3f});
            net.array("features.1.bn.gamma").set(G1);
            checkHook(net, Set.of("features.0.bn", "features.1.bn"), 0.01);
        }
    }

    @Test
    void sparsityHookTouchesOnlyInnerBatchNormsOfResNet() {
        try (Network net = Network.create(Architectures.named("resnet20", List.of(3, 8, 8), 10), 2)) {
            // a few negative scales in inner and stream BNs
            float[] g = new float[16];
            for (int i = 0; i < g.length; i++) {
                g[i] = i % 3 == 0 ? -0.5f : 0.75f;
            }
            net.array("layer1.0.bn1.gamma").set(g);
            net.array("layer1.0.bn2.gamma").set(g);
            net.array("bn1.gamma").set(g);
            Set<String> inner = new java.util.LinkedHashSet<>();
            List<String> stream = new ArrayList<>();
            for (Layer l : net.graph().layers()) {
                if (l.kind() == Layer.Kind.BN) {
                    if (l.outSpace().endsWith(".inner")) {
                        inner.add(l.name());
                    } else {
                        stream.add(l.name());
                    }
                }
            }
            assertEquals(9, inner.size());
            assertEquals(10, stream.size()); // stem bn1 and each block's bn2
            checkHook(net, inner, 1e-3);
        }
    }
}
