package dev.sculptor.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parameters and FLOPs (MACs of conv and linear layers per example), counted by hand. */
class ModelStatsTest {

    /**
     * 1x8x8 input, 3x3 convs 1->4 (at 8x8, then pool) and 4->6 (at 4x4), global average pool, Linear 6->5,
     * BN, Linear 5->3.
     */
    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    /** 3x8x8 input, stem 3->4, one block per stage: [4 -> 2 -> 4] at 8x8, [4 -> 3 -> 8] at 4x4 (stride 2), fc 8->10. */
    static ArchSpec tinyResNet() {
        return new ArchSpec("resnet", "r", List.of(3, 8, 8), 10, null, null, null, null, List.of(4, 8),
                List.of(List.of(2), List.of(3)), null);
    }

    // vgg: conv 9*1*4 = 36 weights, 36*64 = 2304 MACs; bn 8; conv 9*4*6 = 216, 216*16 = 3456 MACs; bn 12;
    // fc 30 + 5 bias, 30 MACs; bn 10; out 15 + 3 bias, 15 MACs
    static final long VGG_PARAMS = 36 + 8 + 216 + 12 + 35 + 10 + 18;
    static final long VGG_FLOPS = 2304 + 3456 + 30 + 15;

    // resnet: conv1 108 (x64 = 6912), bn1 8; layer1.0: conv1 72 (x64 = 4608), bn 4, conv2 72 (x64 = 4608), bn 8;
    // layer2.0: conv1 108 (x16 = 1728), bn 6, conv2 216 (x16 = 3456), bn 16; fc 80 + 10 bias (80 MACs)
    static final long RES_PARAMS = 108 + 8 + 72 + 4 + 72 + 8 + 108 + 6 + 216 + 16 + 90;
    static final long RES_FLOPS = 6912 + 4608 + 4608 + 1728 + 3456 + 80;

    @Test
    void tinyVggByHand() {
        assertEquals(335, VGG_PARAMS);
        assertEquals(5805, VGG_FLOPS);
        assertEquals(new ModelStats(VGG_PARAMS, VGG_FLOPS), ModelStats.of(tinyVgg()));
        try (Network net = Network.create(tinyVgg(), 1)) {
            assertEquals(new ModelStats(VGG_PARAMS, VGG_FLOPS), ModelStats.of(net));
            long trainable = net.trainableParameters().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(VGG_PARAMS, trainable, "params are the trainable tensors' sizes");
        }
    }

    @Test
    void tinyResNetByHand() {
        assertEquals(708, RES_PARAMS);
        assertEquals(21392, RES_FLOPS);
        assertEquals(new ModelStats(RES_PARAMS, RES_FLOPS), ModelStats.of(tinyResNet()));
        try (Network net = Network.create(tinyResNet(), 1)) {
            assertEquals(new ModelStats(RES_PARAMS, RES_FLOPS), ModelStats.of(net));
            long trainable = net.trainableParameters().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(RES_PARAMS, trainable);
        }
    }

    @Test
    void standardArchitectures() {
        // ResNet-20 with parameter-free shortcuts: the well-known 269,722 parameters
        ArchSpec r20 = Architectures.named("resnet20", List.of(3, 8, 8), 10);
        // 8x8: stage 1 at 8x8, stage 2 at 4x4, stage 3 at 2x2
        long flops = 9L * 3 * 16 * 64 // stem
                + 6 * 9L * 16 * 16 * 64 // stage 1
                + 9L * 16 * 32 * 16 + 5 * 9L * 32 * 32 * 16 // stage 2
                + 9L * 32 * 64 * 4 + 5 * 9L * 64 * 64 * 4 // stage 3
                + 64 * 10;
        assertEquals(new ModelStats(269_722, flops), ModelStats.of(r20));
        assertEquals(2_535_040, flops);
        // LeNet on 1x28x28: 5x5 convs 1->32 at 28x28 and 32->64 at 14x14, fc 64*7*7 -> 128 -> 10
        ArchSpec lenet = Architectures.named("lenet", List.of(1, 28, 28), 10);
        long lenetParams = 800 + 64 + 51_200 + 128 + 401_408 + 128 + 1_290;
        long lenetFlops = 25L * 32 * 784 + 25L * 32 * 64 * 196 + 3136L * 128 + 1280;
        assertEquals(new ModelStats(lenetParams, lenetFlops), ModelStats.of(lenet));
    }

    /** A mask over {@code shape} whose first {@code zeros} entries (flat order) are 0. */
    static void maskFirst(Network net, String tensor, int zeros) {
        try (NDManager m = net.manager().newSubManager()) {
            Shape shape = net.array(tensor).getShape();
            float[] mask = new float[(int) shape.size()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i < zeros ? 0f : 1f;
            }
            NDArray a = m.create(mask, shape);
            net.setMask(tensor, a);
        }
    }

    @Test
    void maskedVggCountsOnlySurvivingWeights() {
        try (Network net = Network.create(tinyVgg(), 1)) {
            maskFirst(net, "features.1.conv.weight", 200); // 16 of 216 survive, at 4x4
            assertEquals(16, net.nonZero("features.1.conv.weight"));
            assertEquals(new ModelStats(VGG_PARAMS - 200, VGG_FLOPS - 200L * 16), ModelStats.of(net));
            maskFirst(net, "classifier.0.fc.weight", 10); // 20 of 30 survive, one position
            assertEquals(new ModelStats(VGG_PARAMS - 210, VGG_FLOPS - 200L * 16 - 10), ModelStats.of(net));
            // architecture-only stats ignore masks
            assertEquals(new ModelStats(VGG_PARAMS, VGG_FLOPS), ModelStats.of(net.spec()));
        }
    }

    @Test
    void maskedResNetCountsOnlySurvivingWeights() {
        try (Network net = Network.create(tinyResNet(), 1)) {
            maskFirst(net, "layer1.0.conv1.weight", 50); // 22 of 72 survive, at 8x8
            maskFirst(net, "fc.weight", 60); // 20 of 80 survive
            long params = RES_PARAMS - 50 - 60;
            long flops = RES_FLOPS - 4608 + 22 * 64 - 80 + 20;
            assertEquals(658 - 60, params);
            assertEquals(18_132, flops);
            assertEquals(new ModelStats(params, flops), ModelStats.of(net));
            // a mask of all ones changes nothing
            maskFirst(net, "layer1.0.conv1.weight", 0);
            maskFirst(net, "fc.weight", 0);
            assertEquals(new ModelStats(RES_PARAMS, RES_FLOPS), ModelStats.of(net));
        }
    }
}
