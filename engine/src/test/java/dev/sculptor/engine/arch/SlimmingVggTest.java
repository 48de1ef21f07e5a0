package dev.sculptor.engine.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Network Slimming's VGG-19 (Liu et al., ICCV 2017; the reference's {@code cifar/network-slimming/models/vgg.py}):
 * the sixteen 3x3 conv-BN-ReLU layers of VGG-19, average pooling, then one Linear, no hidden linear layer.
 */
class SlimmingVggTest {
    static final List<Integer> CIFAR = List.of(3, 32, 32);

    @Test
    void vgg19SlimIsVgg19WithoutTheHiddenLinearLayer() {
        ArchSpec slim = Architectures.named("vgg19-slim", CIFAR, 10);
        ArchSpec full = Architectures.named("vgg19", CIFAR, 10);
        assertEquals("vgg", slim.family());
        assertEquals("vgg19-slim", slim.name());
        assertEquals(List.of(64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512),
                slim.convWidths());
        assertEquals(full.convWidths(), slim.convWidths());
        assertEquals(List.of(1, 3, 7, 11), slim.poolAfter());
        assertEquals(List.of(), slim.hidden());
        assertEquals(List.of(512), full.hidden());

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            expected.add("features." + i + ".conv");
            expected.add("features." + i + ".bn");
        }
        expected.add("classifier.out");
        LayerGraph g = LayerGraph.of(slim);
        assertEquals(expected, g.layers().stream().map(Layer::name).toList());
        Layer out = g.layer("classifier.out");
        assertEquals(Layer.Kind.LINEAR, out.kind());
        assertEquals(512, out.in());
        assertEquals(10, out.out());
        // every conv's channels stay prunable by slimming: 16 spaces, each gated by its BN
        assertEquals(16, g.prunableSpaces().stream().filter(s -> s.bn() != null).count());
    }

    @Test
    void paramsAndFlopsAreThoseOfTheSlimmingPaper() {
        // by hand: 3x3 conv weights 9 * sum(c_in * c_out) = 20,018,880; BN gamma and beta 2 * 5,504 channels;
        // Linear(512, 10) 5,130. Liu et al. 2017 give 20.04M parameters for their CIFAR-10 VGG-19.
        LayerGraph slim = LayerGraph.of(Architectures.named("vgg19-slim", CIFAR, 10));
        assertEquals(20_018_880L + 11_008L + 5_130L, slim.params());
        // multiply-accumulates at 32, 16, 8, 4, 2 pixels square, plus the Linear; the paper's 7.97e8 counts 2 per MAC
        long convMacs = 9L * ((3 * 64 + 64 * 64) * 1024L + (64 * 128 + 128 * 128) * 256L
                + (128 * 256 + 3 * 256 * 256) * 64L + (256 * 512 + 3 * 512 * 512) * 16L + 4 * 512 * 512 * 4L);
        assertEquals(398_131_200L, convMacs);
        assertEquals(convMacs + 5_120L, slim.macs());
        // the hidden layer of the L1-norm VGG is exactly what is gone: Linear(512, 512) with bias, and its BN
        LayerGraph full = LayerGraph.of(Architectures.named("vgg19", CIFAR, 10));
        assertEquals(512L * 512 + 512 + 2 * 512, full.params() - slim.params());
        assertEquals(512L * 512, full.macs() - slim.macs());
    }

    @Test
    void forwardGivesOneScorePerClass() {
        try (Network net = Network.create(Architectures.named("vgg19-slim", List.of(1, 28, 28), 10), 3);
                NDManager m = net.manager().newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, 1, 28, 28));
            assertEquals(new Shape(2, 10), net.forward(x, false).getShape());
        }
    }

    @Test
    void everyVggDepthHasASlimVariantAndBadNamesAreNamed() {
        for (String d : List.of("vgg11", "vgg13", "vgg16")) {
            ArchSpec s = Architectures.named(d + "-slim", CIFAR, 10);
            assertEquals(Architectures.named(d, CIFAR, 10).convWidths(), s.convWidths());
            assertEquals(List.of(), s.hidden());
        }
        assertTrue(Architectures.NAMES.contains("vgg19-slim"));
        ArchException e = assertThrows(ArchException.class, () -> Architectures.named("vgg20-slim", CIFAR, 10));
        assertTrue(e.getMessage().contains("vgg20-slim") && e.getMessage().contains("-slim"), e.getMessage());
    }
}
