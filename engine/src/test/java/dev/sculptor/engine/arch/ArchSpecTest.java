package dev.sculptor.engine.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.prune.L1NormPruning;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FLOPs (multiply-accumulates) and parameters against hand computation and the literature. */
class ArchSpecTest {
    static final List<Integer> CIFAR = List.of(3, 32, 32);
    static final List<Integer> MNIST = List.of(1, 28, 28);

    private static void assertNear(double published, double actual, double relTol, String what) {
        assertTrue(Math.abs(actual - published) <= relTol * published,
                what + ": expected about " + published + ", computed " + actual);
    }

    @Test
    void lenetByHand() {
        LayerGraph g = LayerGraph.of(Architectures.named("lenet", MNIST, 10));
        // conv 5x5 1->32 on 28x28, conv 5x5 32->64 on 14x14, fc 64*7*7->128, fc 128->10
        long macs = 25L * 32 * 784 + 25L * 32 * 64 * 196 + 64L * 49 * 128 + 128L * 10;
        long params = 25L * 32 + 2 * 32 + 25L * 32 * 64 + 2 * 64 + (64L * 49 * 128 + 128) + (128L * 10 + 10);
        assertEquals(macs, g.macs());
        assertEquals(params, g.params());
    }

    @Test
    void standardModelsMatchLiEtAl2017() {
        // Table 1 and 2 of Li et al., ICLR 2017 (FLOPs there are multiply-accumulates)
        assertNear(3.13e8, LayerGraph.of(Architectures.named("vgg16", CIFAR, 10)).macs(), 0.01, "VGG-16 FLOPs");
        assertNear(1.5e7, LayerGraph.of(Architectures.named("vgg16", CIFAR, 10)).params(), 0.01, "VGG-16 params");
        assertNear(1.25e8, LayerGraph.of(Architectures.named("resnet56", CIFAR, 10)).macs(), 0.01, "ResNet-56 FLOPs");
        assertNear(8.5e5, LayerGraph.of(Architectures.named("resnet56", CIFAR, 10)).params(), 0.01, "ResNet-56 params");
        assertNear(2.53e8, LayerGraph.of(Architectures.named("resnet110", CIFAR, 10)).macs(), 0.01, "ResNet-110 FLOPs");
        assertNear(1.72e6, LayerGraph.of(Architectures.named("resnet110", CIFAR, 10)).params(), 0.01, "ResNet-110 params");
        // Network Slimming (ICCV 2017) reports 1.70M parameters for PreResNet-164 on CIFAR-10
        assertNear(1.70e6, LayerGraph.of(Architectures.named("preresnet164", CIFAR, 10)).params(), 0.01, "PreResNet-164");
        assertNear(2.7e5, LayerGraph.of(Architectures.named("resnet20", CIFAR, 10)).params(), 0.02, "ResNet-20 params");
    }

    @Test
    void presetsMatchLiEtAl2017() {
        String[][] cases = {
            {"vgg16", "vgg16-a", "2.06e8", "5.4e6"},
            {"resnet56", "resnet56-a", "1.12e8", "7.7e5"},
            {"resnet56", "resnet56-b", "9.09e7", "7.3e5"},
            {"resnet110", "resnet110-a", "2.13e8", "1.68e6"},
            {"resnet110", "resnet110-b", "1.55e8", "1.16e6"},
        };
        for (String[] c : cases) {
            ArchSpec pruned = L1NormPruning.preset(c[1]).prunedSpec(Architectures.named(c[0], CIFAR, 10), c[1]);
            LayerGraph g = LayerGraph.of(pruned);
            assertNear(Double.parseDouble(c[2]), g.macs(), 0.01, c[1] + " FLOPs");
            assertNear(Double.parseDouble(c[3]), g.params(), 0.02, c[1] + " params");
        }
        assertEquals(List.of(32, 64, 128, 128, 256, 256, 256, 256, 256, 256, 256, 256, 256),
                L1NormPruning.preset("vgg16-a").prunedSpec(Architectures.named("vgg16", CIFAR, 10), "a").convWidths());
    }

    @Test
    void jsonRoundTrip() {
        for (String n : List.of("lenet", "vgg11", "resnet20", "preresnet164")) {
            ArchSpec s = Architectures.named(n, n.equals("lenet") ? MNIST : CIFAR, 10);
            assertEquals(s, ArchSpec.fromJson(s.toJson()));
        }
        ArchSpec pre = Architectures.named("preresnet20", CIFAR, 10);
        LayerGraph g = LayerGraph.of(pre);
        ArchSpec shrunk = g.shrink(java.util.Map.of("layer1.1.select", new int[] {0, 5, 63}), "x");
        assertEquals(List.of(0, 5, 63), shrunk.selection(1));
        assertEquals(shrunk, ArchSpec.fromJson(shrunk.toJson()));
    }

    @Test
    void badSpecsAreRejectedWithTheField() {
        assertTrue(assertThrows(ArchException.class, () -> Architectures.named("resnet21", CIFAR, 10))
                .getMessage().contains("6n+2"));
        assertTrue(assertThrows(ArchException.class, () -> Architectures.named("alexnet", CIFAR, 10))
                .getMessage().contains("unknown architecture 'alexnet'"));
        assertTrue(assertThrows(ArchException.class, () -> ArchSpec.fromJson("{\"family\":\"vgg\"}"))
                .getMessage().contains("inputShape"));
        assertTrue(assertThrows(ArchException.class, () -> ArchSpec.fromJson("{\"family\":\"vgg\",\"inputShape\":[1,28,28],"
                + "\"numClasses\":10,\"convWidths\":[8,0],\"poolAfter\":[0],\"hidden\":[]}")).getMessage()
                .contains("convWidths[1]"));
        assertTrue(assertThrows(ArchException.class, () -> ArchSpec.fromJson("{\"family\":\"mlp\",\"inputShape\":[1,28,28],"
                + "\"numClasses\":10}")).getMessage().contains("unknown family 'mlp'"));
        assertTrue(assertThrows(ArchException.class, () -> ArchSpec.fromJson("not json")).getMessage()
                .contains("does not parse"));
        LayerGraph g = LayerGraph.of(Architectures.named("resnet20", CIFAR, 10));
        assertTrue(assertThrows(ArchException.class, () -> g.shrink(java.util.Map.of("stage2", new int[] {0, 1}), "x"))
                .getMessage().contains("residual"));
        assertTrue(assertThrows(ArchException.class, () -> g.shrink(java.util.Map.of("layer1.0.inner", new int[] {}), "x"))
                .getMessage().contains("all its channels"));
        assertTrue(assertThrows(ArchException.class, () -> g.shrink(java.util.Map.of("layer9.0.inner", new int[] {1}), "x"))
                .getMessage().contains("no channel space named 'layer9.0.inner'"));
        assertTrue(assertThrows(ArchException.class, () -> L1NormPruning.preset("resnet56-a")
                .prunedSpec(Architectures.named("resnet20", CIFAR, 10), "x")).getMessage().contains("needs a resnet56"));
        assertTrue(assertThrows(ArchException.class, () -> new L1NormPruning(null, 1.0, java.util.Map.of(),
                java.util.Set.of())).getMessage().contains("[0, 1)"));
    }

    @Test
    void residualCouplingIsExplicit() {
        LayerGraph g = LayerGraph.of(Architectures.named("resnet20", CIFAR, 10));
        ChannelSpace stage1 = g.space("stage1");
        assertTrue(stage1.coupled());
        // the stem conv and the second conv of each of the 3 blocks write into the stage-1 stream
        assertEquals(List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"), stage1.producers());
        assertEquals(9, g.prunableSpaces().size());
    }
}
