package dev.sculptor.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Convolutions at the widths pruning produces (input and output channels 17-40, where one CPU's oneDNN was wrong),
 * in the configuration the engine chose on this machine, against the definition computed in double precision:
 * forward, input gradient and weight gradient. On a machine with that defect these fail until the remedy applies.
 */
class KernelsTest {

    @Test
    void theChosenConfigurationIsExactOnThisMachine() {
        Numerics.Decision d = Numerics.decision();
        assertFalse(d.refused(), d.line());
        SelfCheck.Report r = SelfCheck.run(Ops.of(Numerics.config()), Device.cpu());
        assertTrue(r.exact(), d.line() + ": " + r.summary());
    }

    @Test
    void paddedChannelsComputeTheSameAsTheDefinition() {
        SelfCheck.Report r = SelfCheck.run(Ops.of(KernelConfig.padded(Threads.current())), Device.cpu());
        assertTrue(r.exact(), r.summary());
    }

    @Test
    void prunedWidthsForwardAndGradients() {
        Ops ops = Ops.of(Numerics.config());
        Random r = new Random(5);
        StringBuilder wrong = new StringBuilder();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int c = 17; c <= 40; c++) {
                int k = 57 - c; // output channels sweep 40..17 while inputs sweep 17..40
                for (int[] ks : new int[][] {{3, 1}, {1, 2}}) {
                    check(m, ops, r, c, k, ks[0], ks[1], wrong);
                }
            }
        }
        assertTrue(wrong.length() == 0, "wrong at pruned widths: " + wrong);
    }

    private static void check(NDManager root, Ops ops, Random r, int c, int k, int kernel, int stride, StringBuilder wrong) {
        int n = 2;
        int h = 6;
        int p = kernel / 2;
        int ho = (h + 2 * p - kernel) / stride + 1;
        float[] x = SelfCheck.gaussian(r, n * c * h * h);
        float[] w = SelfCheck.gaussian(r, k * c * kernel * kernel);
        float[] cot = SelfCheck.gaussian(r, n * k * ho * ho);
        SelfCheck.ConvRef ref = SelfCheck.ConvRef.compute(x, w, null, cot, n, c, k, h, kernel, stride);
        try (NDManager m = root.newSubManager()) {
            NDArray xa = m.create(x, new Shape(n, c, h, h));
            NDArray wa = m.create(w, new Shape(k, c, kernel, kernel));
            xa.setRequiresGradient(true);
            wa.setRequiresGradient(true);
            float[] y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = ops.conv2d(xa, wa, null, stride, p);
                y = out.toFloatArray();
                gc.backward(out.mul(m.create(cot, new Shape(n, k, ho, ho))).sum());
            }
            String name = c + "->" + k + " " + kernel + "x" + kernel + "/" + stride;
            note(wrong, name + " forward", SelfCheck.error(y, ref.y()));
            note(wrong, name + " input grad", SelfCheck.error(xa.getGradient().toFloatArray(), ref.dx()));
            note(wrong, name + " weight grad", SelfCheck.error(wa.getGradient().toFloatArray(), ref.dw()));
        }
    }

    private static void note(StringBuilder wrong, String what, double error) {
        if (!(error <= SelfCheck.TOLERANCE)) {
            wrong.append(what).append(" (error ").append(error).append("); ");
        }
    }
}
