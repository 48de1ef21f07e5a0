package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shrunk network must compute, in eval mode, exactly what the original computes when the
 * removed channels' outputs are forced to zero.
 */
class StructuredPrunerTest {

    static ArchSpec small(String family) {
        return switch (family) {
            case "lenet" -> Architectures.named("lenet", List.of(1, 28, 28), 10);
            case "vgg" -> new ArchSpec("vgg", "tiny-vgg", List.of(3, 16, 16), 10, List.of(8, 12, 16, 16),
                    List.of(0, 2), List.of(24), null, null, null, null);
            case "resnet" -> Architectures.named("resnet20", List.of(3, 16, 16), 10);
            case "preresnet" -> Architectures.named("preresnet20", List.of(3, 16, 16), 10);
            default -> throw new IllegalArgumentException(family);
        };
    }

    /** Random BN statistics and scales so that eval-mode BN is far from the identity. */
    static void randomiseBatchNorms(Network net, long seed) {
        Random r = new Random(seed);
        for (Layer l : net.graph().layers()) {
            if (l.kind() == Layer.Kind.BN) {
                net.array(l.name() + ".gamma").set(randoms(r, l.out(), 0.2f, 1.5f));
                net.array(l.name() + ".beta").set(randoms(r, l.out(), -0.5f, 0.5f));
                net.array(l.name() + ".runningMean").set(randoms(r, l.out(), -0.3f, 0.3f));
                net.array(l.name() + ".runningVar").set(randoms(r, l.out(), 0.5f, 2f));
            }
        }
    }

    static float[] randoms(Random r, int n, float lo, float hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + (hi - lo) * r.nextFloat();
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg", "resnet", "preresnet"})
    void shrunkEqualsZeroedOriginal(String family) {
        ArchSpec spec = small(family);
        try (Network net = Network.create(spec, 3); NDManager m = NDManager.newBaseManager()) {
            randomiseBatchNorms(net, 5);
            Random r = new Random(11);
            Map<String, int[]> keep = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                int k = 1 + r.nextInt(s.size() - 1);
                keep.put(s.id(), IntStream.range(0, s.size()).filter(i -> r.nextInt(s.size()) < k).toArray());
                if (keep.get(s.id()).length == 0) {
                    keep.put(s.id(), new int[] {s.size() - 1});
                }
            }
            Network shrunk = StructuredPruner.shrink(net, keep, "shrunk");
            LayerGraph g = net.graph();
            assertTrue(shrunk.graph().macs() < g.macs());

            // force the removed channels to zero in the original
            for (Map.Entry<String, int[]> e : keep.entrySet()) {
                ChannelSpace s = g.space(e.getKey());
                int[] removed = IntStream.range(0, s.size()).filter(i -> java.util.Arrays.binarySearch(e.getValue(), i) < 0)
                        .toArray();
                if (removed.length == 0) {
                    continue;
                }
                if (s.bnIndices() == null) {
                    // conv -> BN -> ReLU: a zero scale and shift make the channel's output exactly 0
                    for (int c : removed) {
                        net.array(s.bn() + ".gamma").set(new NDIndex(c), 0f);
                        net.array(s.bn() + ".beta").set(new NDIndex(c), 0f);
                    }
                } else {
                    // a selection feeds only its consumer: zero what the consumer reads from it
                    for (Layer l : g.layers()) {
                        if (s.id().equals(l.inSpace())) {
                            for (int c : removed) {
                                net.array(l.name() + ".weight").set(new NDIndex(":, " + c), 0f);
                            }
                        }
                    }
                }
            }
            NDArray x = m.randomNormal(new Shape(4, spec.channels(), spec.height(), spec.width()));
            float[] expected = net.forward(x, false).toFloatArray();
            float[] actual = shrunk.forward(x, false).toFloatArray();
            assertEquals(expected.length, actual.length);
            assertArrayEquals(expected, actual, 1e-5f, family);
            shrunk.close();
        }
    }

    /**
     * A ResNet's residual streams narrow when each keeps exactly the previous stream's kept channels among those
     * its zero-padding shortcut carries (then the narrowed shortcut, which appends zeros, is exact); otherwise the
     * shrink refuses, naming the streams. The narrowed network equals the original with the removed channels zero.
     */
    @Test
    void residualStreamsNarrowOnlyWhenNested() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 2); NDManager m = NDManager.newBaseManager()) {
            randomiseBatchNorms(net, 7);
            LayerGraph g = net.graph();
            assertEquals(List.of("stage1", "stage2", "stage3"), g.residualStreams());
            assertTrue(g.prunableSpaces().stream().noneMatch(s -> s.id().startsWith("stage")));
            Map<String, int[]> bad = Map.of("stage1", new int[] {0, 1, 2}, "stage2", IntStream.range(1, 32).toArray());
            dev.sculptor.engine.arch.ArchException e = assertThrows(dev.sculptor.engine.arch.ArchException.class,
                    () -> g.shrink(bad, "x"));
            assertTrue(e.getMessage().contains("residual stream 'stage2'") && e.getMessage().contains("'stage1'"),
                    e.getMessage());
            Map<String, int[]> keep = new LinkedHashMap<>();
            keep.put("stage1", new int[] {1, 4, 9, 15});
            keep.put("stage2", new int[] {1, 4, 9, 15, 16, 30});
            keep.put("stage3", new int[] {1, 4, 9, 15, 16, 30, 32, 40, 63});
            keep.put("layer2.1.inner", new int[] {0, 5, 7});
            try (Network shrunk = StructuredPruner.shrink(net, keep, "narrow")) {
                assertEquals(List.of(4, 6, 9), shrunk.spec().stageWidths());
                for (Map.Entry<String, int[]> k : keep.entrySet()) {
                    int size = g.space(k.getKey()).size();
                    SoftFilterPruning.zeroChannels(net, g.space(k.getKey()), IntStream.range(0, size)
                            .filter(c -> java.util.Arrays.binarySearch(k.getValue(), c) < 0).toArray());
                }
                NDArray x = m.randomNormal(new Shape(3, 3, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), shrunk.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /**
     * A PreResNet's stem and stage streams narrow on their own (a projection starts every stage); the selections
     * reading a stream drop its removed channels and are renumbered into the narrowed stream. The narrowed network
     * equals the original with the removed channels zero in every writer and every BN reading the stream; a named
     * selection keeping a channel its stream removes is refused.
     */
    @Test
    void preresnetStreamsNarrowAndTheirSelectionsFollow() {
        ArchSpec spec = Architectures.named("preresnet11", List.of(3, 8, 8), 10);
        try (Network net = Network.create(spec, 2); NDManager m = NDManager.newBaseManager()) {
            randomiseBatchNorms(net, 3);
            LayerGraph g = net.graph();
            assertEquals(List.of("stem", "stage1", "stage2", "stage3"), g.residualStreams());
            Map<String, int[]> keep = new LinkedHashMap<>();
            keep.put("stem", new int[] {0, 3, 7, 8, 15});
            keep.put("stage2", IntStream.range(0, 128).filter(c -> c % 3 != 0).toArray());
            try (Network shrunk = StructuredPruner.shrink(net, keep, "narrow")) {
                assertEquals(5, shrunk.spec().stem());
                assertEquals(List.of(64, 85, 256), shrunk.spec().stageWidths());
                // block 0 reads the stem: its 16 positions keep 5, numbered 0..4 in the narrowed stem
                assertEquals(List.of(0, 1, 2, 3, 4), shrunk.spec().selection(0));
                assertEquals(85, shrunk.spec().selection(2).size());
                for (Map.Entry<String, int[]> k : keep.entrySet()) {
                    int size = g.space(k.getKey()).size();
                    dev.sculptor.engine.prune.SoftFilterPruning.zeroChannels(net, g.space(k.getKey()), IntStream.range(0, size)
                            .filter(c -> java.util.Arrays.binarySearch(k.getValue(), c) < 0).toArray());
                }
                NDArray x = m.randomNormal(new Shape(3, 3, 8, 8));
                assertArrayEquals(net.forward(x, false).toFloatArray(), shrunk.forward(x, false).toFloatArray(), 1e-5f);
            }
            Map<String, int[]> bad = Map.of("stem", new int[] {0, 1}, "layer1.0.select", new int[] {0, 2});
            dev.sculptor.engine.arch.ArchException e = assertThrows(dev.sculptor.engine.arch.ArchException.class,
                    () -> g.shrink(bad, "x"));
            assertTrue(e.getMessage().contains("selection 'layer1.0.select' keeps channel 2 of stream 'stem'"),
                    e.getMessage());
        }
    }
}
