package dev.sculptor.engine.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.sculptor.engine.numerics.Kernels;
import dev.sculptor.engine.numerics.Numerics;
import dev.sculptor.engine.numerics.Ops;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A DJL block built from an {@link ArchSpec} through its {@link LayerGraph}: every parameter is
 * registered under {@code <layer>.<weight|bias|gamma|beta|runningMean|runningVar>}, so pruning,
 * checkpoints and metrics address tensors by the same names the graph uses.
 *
 * <p>Input {@code (N, C, H, W)}, output logits {@code (N, numClasses)}.
 */
public final class SculptorBlock extends AbstractBlock {
    /** The operations the numerics self-check verified; convolutions in the configuration it chose. */
    private static final Ops OPS = Kernels::conv2d;

    private final LayerGraph graph;
    private final Map<String, Parameter> byName = new HashMap<>();
    private final Map<String, int[]> selections = new HashMap<>();
    private volatile java.util.function.BiConsumer<String, NDArray> inputObserver;

    public SculptorBlock(LayerGraph graph) {
        // Establish the kernel configuration now, outside any gradient collector (the check opens its own), and
        // refuse before any work when this machine's kernels compute wrongly.
        Numerics.config();
        this.graph = graph;
        ArchSpec spec = graph.spec();
        // BN scales start at 0.5 for VGG and PreResNet, as in the reference implementation of Liu et al.
        float gammaInit = spec.family().equals("vgg") || spec.family().equals("preresnet") ? 0.5f : 1f;
        for (Layer l : graph.layers()) {
            l.tensorShapes().forEach((suffix, shape) -> {
                Shape sh = new Shape(shape);
                String name = l.name() + "." + suffix;
                switch (suffix) {
                    // Kaiming normal, fan-out (He et al. 2015), as in the reference CIFAR models
                    case "weight" -> param(name, Parameter.Type.WEIGHT, sh, l.kind() == Layer.Kind.CONV
                            ? new NormalInitializer((float) Math.sqrt(2.0 / (l.kernel() * l.kernel() * l.out())))
                            : new NormalInitializer(0.01f), true);
                    case "bias" -> param(name, Parameter.Type.BIAS, sh, new ConstantInitializer(0), true);
                    case "gamma" -> param(name, Parameter.Type.GAMMA, sh, new ConstantInitializer(gammaInit), true);
                    case "beta" -> param(name, Parameter.Type.BETA, sh, new ConstantInitializer(0), true);
                    case "runningMean" -> param(name, Parameter.Type.RUNNING_MEAN, sh, new ConstantInitializer(0), false);
                    case "runningVar" -> param(name, Parameter.Type.RUNNING_VAR, sh, new ConstantInitializer(1), false);
                    case "scale" -> param(name, Parameter.Type.OTHER, sh, new ConstantInitializer(1), true);
                    default -> throw new IllegalStateException("unknown tensor " + name);
                }
            });
        }
        for (ChannelSpace s : graph.spaces().values()) {
            if (s.bnIndices() != null) {
                int[] idx = s.bnIndices().stream().mapToInt(Integer::intValue).toArray();
                boolean identity = idx.length == graph.layer(s.bn()).out();
                for (int i = 0; identity && i < idx.length; i++) {
                    identity = idx[i] == i;
                }
                if (!identity) {
                    selections.put(s.id(), idx);
                }
            }
        }
    }

    private void param(String name, Parameter.Type type, Shape shape, ai.djl.training.initializer.Initializer init,
            boolean grad) {
        Parameter p = Parameter.builder().setName(name).setType(type).optShape(shape).optInitializer(init)
                .optRequiresGrad(grad).build();
        addParameter(p);
        byName.put(name, p);
    }

    public LayerGraph graph() {
        return graph;
    }

    /**
     * Sees the input of every conv and linear layer during forward passes (layer name, input
     * {@code (N, C, H, W)} or {@code (N, F)}); null removes it. Data-driven importances (ThiNet,
     * channel regression) sample activations this way.
     */
    public void setInputObserver(java.util.function.BiConsumer<String, NDArray> observer) {
        this.inputObserver = observer;
    }

    /** The parameter registered under a tensor name such as {@code features.0.conv.weight}. */
    public Parameter parameter(String tensorName) {
        Parameter p = byName.get(tensorName);
        if (p == null) {
            throw new ArchException("no tensor named '" + tensorName + "' in " + graph.spec().name());
        }
        return p;
    }

    /** Tensor names in a stable order (the graph's layer order). */
    public List<String> tensorNames() {
        return List.copyOf(parameters.keySet());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), graph.spec().numClasses())};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // No child blocks: all parameters are direct and have fixed shapes.
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Ctx c = new Ctx(ps, training);
        NDArray x = inputs.singletonOrThrow();
        ArchSpec spec = graph.spec();
        NDArray out = switch (spec.family()) {
            case "vgg", "lenet" -> plain(c, x);
            case "resnet" -> resnet(c, x);
            case "preresnet" -> preresnet(c, x);
            default -> throw new ArchException("unknown family " + spec.family());
        };
        return new NDList(out);
    }

    private NDArray plain(Ctx c, NDArray x) {
        ArchSpec spec = graph.spec();
        boolean lenet = spec.family().equals("lenet");
        for (int i = 0; i < spec.convWidths().size(); i++) {
            x = OPS.relu(bn(c, "features." + i + ".bn", conv(c, "features." + i + ".conv", x)));
            if (spec.poolAfter().contains(i)) {
                x = OPS.maxPool2(x);
            }
        }
        x = lenet ? x.reshape(x.getShape().get(0), -1) : OPS.globalAvgPool(x);
        for (int j = 0; j < spec.hidden().size(); j++) {
            x = linear(c, "classifier." + j + ".fc", x);
            if (!lenet) {
                x = bn(c, "classifier." + j + ".bn", x);
            }
            x = OPS.relu(x);
        }
        return linear(c, "classifier.out", x);
    }

    private NDArray resnet(Ctx c, NDArray x) {
        ArchSpec spec = graph.spec();
        x = OPS.relu(bn(c, "bn1", conv(c, "conv1", x)));
        for (int i = 0; i < spec.blocks().size(); i++) {
            String b = graph.blockName(i);
            if (spec.branchless(i)) {
                // the shortcut alone: what the block computed with its branch scaled to zero
                int stride = spec.stageOf(i) > 0 ? 2 : 1;
                x = OPS.relu(shortcutA(x, new Shape(x.getShape().get(0), spec.stageWidths().get(spec.stageOf(i)),
                        x.getShape().get(2) / stride, x.getShape().get(3) / stride)));
                continue;
            }
            NDArray y = OPS.relu(bn(c, b + ".bn1", conv(c, b + ".conv1", x)));
            y = scaled(c, i, bn(c, b + ".bn2", conv(c, b + ".conv2", y)));
            x = OPS.relu(y.add(shortcutA(x, y.getShape())));
        }
        return linear(c, "fc", OPS.globalAvgPool(x));
    }

    /** The residual branch times its learnable scale, for blocks that carry one. */
    private NDArray scaled(Ctx c, int block, NDArray branch) {
        return graph.hasScale(block) ? branch.mul(c.get(this, graph.blockName(block) + ".residual.scale", branch)) : branch;
    }

    /** Parameter-free shortcut: average-pool subsample, then zero channels appended (option A). */
    private static NDArray shortcutA(NDArray x, Shape target) {
        if (x.getShape().get(2) != target.get(2)) {
            x = OPS.avgPool2(x);
        }
        long missing = target.get(1) - x.getShape().get(1);
        if (missing > 0) {
            NDArray zeros = x.getManager().zeros(new Shape(x.getShape().get(0), missing, x.getShape().get(2),
                    x.getShape().get(3)), x.getDataType(), x.getDevice());
            x = x.concat(zeros, 1);
        }
        return x;
    }

    private NDArray preresnet(Ctx c, NDArray x) {
        ArchSpec spec = graph.spec();
        x = conv(c, "conv1", x);
        for (int i = 0; i < spec.blocks().size(); i++) {
            String b = graph.blockName(i);
            if (spec.branchless(i)) {
                x = conv(c, b + ".downsample", x); // the projection shortcut alone
                continue;
            }
            NDArray y = OPS.relu(select(b + ".select", bn(c, b + ".bn1", x)));
            y = OPS.relu(bn(c, b + ".bn2", conv(c, b + ".conv1", y)));
            y = OPS.relu(bn(c, b + ".bn3", conv(c, b + ".conv2", y)));
            y = scaled(c, i, conv(c, b + ".conv3", y));
            NDArray shortcut = spec.firstInStage(i) ? conv(c, b + ".downsample", x) : x;
            x = y.add(shortcut);
        }
        x = OPS.relu(select("select", bn(c, "bn", x)));
        return linear(c, "fc", OPS.globalAvgPool(x));
    }

    private NDArray select(String space, NDArray x) {
        int[] idx = selections.get(space);
        if (idx == null) {
            return x;
        }
        // Created on the input's manager so it is freed with the batch.
        NDArray index = x.getManager().create(idx).toType(DataType.INT64, false);
        return x.get(new NDIndex(":, {}", index));
    }

    private NDArray conv(Ctx c, String name, NDArray x) {
        observe(name, x);
        Layer l = graph.layer(name);
        int pad = l.kernel() / 2;
        NDArray bias = l.bias() ? c.get(this, name + ".bias", x) : null;
        return OPS.conv2d(x, c.get(this, name + ".weight", x), bias, l.stride(), pad);
    }

    private void observe(String layer, NDArray input) {
        java.util.function.BiConsumer<String, NDArray> o = inputObserver;
        if (o != null) {
            o.accept(layer, input);
        }
    }

    private NDArray bn(Ctx c, String name, NDArray x) {
        return OPS.batchNorm(x, c.get(this, name + ".runningMean", x), c.get(this, name + ".runningVar", x),
                c.get(this, name + ".gamma", x), c.get(this, name + ".beta", x), c.training);
    }

    private NDArray linear(Ctx c, String name, NDArray x) {
        observe(name, x);
        return OPS.linear(x, c.get(this, name + ".weight", x), c.get(this, name + ".bias", x));
    }

    private record Ctx(ParameterStore ps, boolean training) {
        NDArray get(SculptorBlock block, String tensor, NDArray like) {
            return ps.getValue(block.parameter(tensor), like.getDevice(), training);
        }
    }
}
