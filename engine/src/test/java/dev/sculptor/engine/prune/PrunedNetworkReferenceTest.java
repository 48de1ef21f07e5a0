package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.arch.SculptorBlock;
import dev.sculptor.engine.numerics.SelfCheck;
import java.nio.DoubleBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole pruned network (widths such as 22 or 41, where one CPU's oneDNN convolution was wrong), trained one
 * step's worth: its logits and the gradients of every parameter, computed by the engine in float32 in the
 * kernel configuration chosen for this machine, against the same network computed in float64, which libtorch
 * runs through another convolution path (oneDNN takes only float32 and lower precisions).
 */
class PrunedNetworkReferenceTest {
    private static final double TOLERANCE = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg", "resnet", "preresnet"})
    void prunedNetworkMatchesDoublePrecision(String family) {
        ArchSpec spec = StructuredPrunerTest.small(family);
        try (Network net = Network.create(spec, 3); NDManager m = NDManager.newBaseManager(net.device())) {
            StructuredPrunerTest.randomiseBatchNorms(net, 5);
            Random r = new Random(17);
            Map<String, int[]> keep = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                // keep about 70%: widths 32 and 64 become counts that are not multiples of 8 or 16
                int[] kept = IntStream.range(0, s.size()).filter(i -> r.nextDouble() < 0.7).toArray();
                keep.put(s.id(), kept.length == 0 ? new int[] {0} : kept);
            }
            try (Network pruned = StructuredPruner.shrink(net, keep, "pruned")) {
                int n = 4;
                float[] x = SelfCheck.gaussian(r, n * spec.channels() * spec.height() * spec.width());
                float[] cot = SelfCheck.gaussian(r, n * spec.numClasses());
                Shape xs = new Shape(n, spec.channels(), spec.height(), spec.width());

                SculptorBlock wide = new SculptorBlock(pruned.graph());
                wide.initialize(m, DataType.FLOAT64, xs);
                for (String t : pruned.tensorNames()) {
                    float[] v = pruned.array(t).toFloatArray();
                    wide.parameter(t).getArray().set(DoubleBuffer.wrap(IntStream.range(0, v.length).mapToDouble(i -> v[i]).toArray()));
                }
                Map<String, float[]> single = run(pruned.block(), m, x, xs, cot, DataType.FLOAT32);
                Map<String, float[]> dbl = run(wide, m, x, xs, cot, DataType.FLOAT64);
                StringBuilder wrong = new StringBuilder();
                for (Map.Entry<String, float[]> e : single.entrySet()) {
                    float[] ref = dbl.get(e.getKey());
                    double err = error(e.getValue(), ref);
                    if (!(err <= TOLERANCE)) {
                        wrong.append(e.getKey()).append(" error ").append(err).append("; ");
                    }
                }
                assertTrue(single.size() > 5, "compared " + single.keySet());
                assertTrue(wrong.length() == 0, family + " " + pruned.spec().toJson().replaceAll("\\s+", "") + ": " + wrong);
            }
        }
    }

    /**
     * As {@link SelfCheck#error}, but a gradient that is zero by construction (the bias of a layer that batch
     * normalisation follows) is measured against 1e-2 instead of its own vanishing size.
     */
    private static double error(float[] actual, float[] ref) {
        double sq = 0;
        for (float v : ref) {
            sq += (double) v * v;
        }
        double rms = Math.sqrt(sq / Math.max(1, ref.length));
        double scale = Math.max(rms, 1e-2) / Math.max(rms, 1e-12);
        return SelfCheck.error(actual, IntStream.range(0, ref.length).mapToDouble(i -> ref[i]).toArray()) / scale;
    }

    /** Logits, then the gradient of sum(logits * cot) for each trainable parameter, in training mode. */
    private static Map<String, float[]> run(SculptorBlock block, NDManager root, float[] x, Shape xs, float[] cot, DataType type) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = root.newSubManager()) {
            NDArray input = m.create(x, xs).toType(type, false);
            NDArray c = m.create(cot, new Shape(xs.get(0), cot.length / xs.get(0))).toType(type, false);
            Network.recording(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = block.forward(new ParameterStore(m, false), new NDList(input), true).singletonOrThrow();
                out.put("logits", logits.toType(DataType.FLOAT32, false).toFloatArray());
                gc.backward(logits.mul(c).sum());
            } finally {
                Network.recording(false);
            }
            for (String t : block.tensorNames()) {
                Parameter p = block.parameter(t);
                if (p.requiresGradient()) {
                    out.put(t + " grad", p.getArray().getGradient().toType(DataType.FLOAT32, false).toFloatArray());
                }
            }
        }
        return out;
    }
}
