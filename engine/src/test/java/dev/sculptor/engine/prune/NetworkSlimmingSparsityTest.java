package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known answer for Network Slimming's sparsity training (Liu et al., ICCV 2017): one conv layer of 8 channels whose
 * odd channels see nothing (their filters are held at zero by a mask), on a 4-class stripe-orientation problem.
 *
 * <p>Why the answer is known: a channel whose conv output is identically zero is normalised to exactly zero by its
 * BatchNorm, so the loss gradient of its scale is exactly zero, and only the L1 subgradient {@code lambda * sign}
 * (and weight decay) act on it: with heavy-ball momentum it walks to zero at {@code lr * lambda / (1 - momentum)} per
 * step and then only jitters around zero by about that step. The even channels carry the four orientations the
 * classifier needs; the loss holds their scales up against the same penalty.
 */
class NetworkSlimmingSparsityTest {
    static final int[] USEFUL = {0, 2, 4, 6};
    static final int[] USELESS = {1, 3, 5, 7};
    static final double LAMBDA = 1e-2;
    // 256 images in batches of 64 for 40 epochs: 160 steps; the step schedule ends at lr 0.001. The useless scales
    // travel about 0.1 * lambda / (1 - 0.9) = 0.01 per step at the first lr: zero from 0.5 within the first 80 steps
    static final TrainConfig CFG = new TrainConfig(40, 64, 0.1, 0.9, 1e-4, "step", 11, false, null, false, false);
    /**
     * "Near zero": at the last learning rate 0.001 the penalty moves a useless scale by lr * lambda / (1 - momentum)
     * = 1e-4 per step, so once there it stays within a few such steps of zero; 1e-3 is ten of them and 0.2% of the
     * initial scale 0.5, while a scale the loss needs stays near or above its start (100x the threshold is asserted).
     */
    static final double NEAR_ZERO = 1e-3;

    static ArchSpec oneConv() {
        // conv 8 -> BN -> ReLU -> global average pool -> Linear(4): slimming's VGG shape in miniature
        return new ArchSpec("vgg", "one-conv", List.of(1, 8, 8), 4, List.of(8), List.of(), List.of(), null, null, null,
                null);
    }

    /** Stripes of period 4 (two bright rows, two dark) with a random phase: horizontal, vertical, / and \ by class. */
    static ImageDataset stripes(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            labels[i] = c;
            int phase = r.nextInt(4);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int t = switch (c) {
                        case 0 -> y;
                        case 1 -> x;
                        case 2 -> x + y;
                        default -> x - y + 8;
                    };
                    boolean bright = (t + phase) % 4 < 2;
                    px[i * 64 + y * 8 + x] = (byte) ((bright ? 170 : 50) + r.nextInt(40));
                }
            }
        }
        return ImageDataset.of("stripes", 1, 8, 8, 4, px, labels, new float[] {0.45f}, new float[] {0.25f});
    }

    /** Trains with slimming's sparsity hook at {@code lambda} (none at 0), the useless filters held at zero. */
    static Network train(double lambda, ImageDataset data) {
        Network net = Network.create(oneConv(), 5);
        float[] mask = new float[8 * 9];
        for (int c : USEFUL) {
            Arrays.fill(mask, c * 9, c * 9 + 9, 1f);
        }
        try (NDArray m = net.manager().create(mask, new Shape(8, 1, 3, 3))) {
            net.setMask("features.0.conv.weight", m);
        }
        Trainer t = new Trainer(CFG);
        new NetworkSlimming(0.5, lambda).baselineHooks().forEach(t::hook);
        t.train(net, data, null);
        return net;
    }

    static float[] absGamma(Network net) {
        float[] g = net.array("features.0.bn.gamma").toFloatArray();
        for (int i = 0; i < g.length; i++) {
            g[i] = Math.abs(g[i]);
        }
        return g;
    }

    @Test
    void sparsityTrainingDrivesTheUselessScalesToZeroAndSlimmingRemovesThemFirst() {
        ImageDataset data = stripes(256, 3);
        try (Network net = train(LAMBDA, data)) {
            float[] g = absGamma(net);
            String all = Arrays.toString(g);
            // the useful channels did the work: the problem is learned
            assertTrue(Evaluator.evaluate(net, data, 64).accuracy() > 0.9, "not learned; |gamma| " + all);
            for (int c : USELESS) {
                assertTrue(g[c] < NEAR_ZERO, "useless channel " + c + " kept |gamma| " + g[c] + " of " + all);
            }
            for (int c : USEFUL) {
                assertTrue(g[c] > 100 * NEAR_ZERO, "useful channel " + c + " lost its scale: " + all);
            }

            NetworkSlimming.ScaleHistogram h = NetworkSlimming.scaleHistogram(net, 10, NEAR_ZERO);
            assertEquals(8, h.channels());
            assertEquals(4, h.below());
            assertEquals(0.5, h.fractionBelow(), 0);
            // every useless scale lies in the first bin, every useful one above it
            assertEquals(4, h.counts().get(0));

            // the global threshold at position int(8 * 0.4) = 3 is the largest useless scale: exactly they go
            List<String> report = new java.util.ArrayList<>();
            assertArrayEquals(USEFUL, new NetworkSlimming(0.4, LAMBDA).reportingTo(report::add).plan(net).kept()
                    .get("features.0"));
            assertTrue(report.get(0).contains("4 of 8 scales (50.0%) below 0.01") && !report.get(0).contains("warning"),
                    report.get(0));
            // a smaller cut, position int(8 * 0.25) = 2, also reaches the useless scales; they are equal (same start,
            // same forces: their trajectories are identical), so all four go together and nothing else
            int[] kept = new NetworkSlimming(0.25, LAMBDA).plan(net).kept().get("features.0");
            assertArrayEquals(USEFUL, kept, all);
        }
    }

    @Test
    void withoutThePenaltyTheUselessScalesStayWhereTheyStarted() {
        // the control: the same masked training, lambda 0; only weight decay (lr * 1e-4 per step) touches them
        try (Network net = train(0, stripes(256, 3))) {
            float[] g = absGamma(net);
            for (int c : USELESS) {
                assertTrue(g[c] > 0.45, "useless channel " + c + " moved without the penalty: " + Arrays.toString(g));
            }
            assertEquals(0, NetworkSlimming.scaleHistogram(net, 10, NEAR_ZERO).below());
            // the same cut now removes scales that were never driven down, and the report says so
            List<String> report = new java.util.ArrayList<>();
            new NetworkSlimming(0.4, 0).reportingTo(report::add).plan(net);
            assertTrue(report.get(0).contains("warning: 4 of them are not near zero"), report.get(0));
        }
    }
}
