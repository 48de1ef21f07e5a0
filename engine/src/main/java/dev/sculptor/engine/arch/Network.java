package dev.sculptor.engine.arch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.sculptor.engine.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A live network: the {@link ArchSpec}, its {@link LayerGraph}, the DJL block holding the tensors,
 * and optional weight masks (weight-level pruning). Owns its NDManager; close it when done.
 */
public final class Network implements AutoCloseable {
    private final ArchSpec spec;
    private final LayerGraph graph;
    private final SculptorBlock block;
    private final NDManager manager;
    private final ParameterStore store;
    private final Map<String, NDArray> masks = new LinkedHashMap<>();

    private Network(ArchSpec spec, NDManager manager) {
        this.spec = spec;
        this.graph = LayerGraph.of(spec);
        this.block = new SculptorBlock(graph);
        this.manager = manager;
        this.store = new ParameterStore(manager, false);
    }

    /**
     * Turns PyTorch's autograd recording off on the calling thread. Grad mode is per thread and DJL
     * disables it only on the thread that started the engine; on any other thread (a service's
     * worker pool) forward passes would record graphs and in-place updates of parameters would fail.
     * Every entry point of the network calls it; the trainer turns recording on only inside its
     * gradient collector.
     */
    public static void noGrad() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /** A freshly initialised network; the same seed gives the same weights. */
    public static Network create(ArchSpec spec, long seed) {
        return create(spec, seed, defaultDevice());
    }

    public static Network create(ArchSpec spec, long seed, Device device) {
        noGrad();
        NDManager m = NDManager.newBaseManager(device);
        try {
            Network n = new Network(spec, m);
            Engine.getInstance().setRandomSeed((int) seed);
            n.block.initialize(m, DataType.FLOAT32, new Shape(1, spec.channels(), spec.height(), spec.width()));
            return n;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** GPU 0 when DJL sees one, else CPU. */
    public static Device defaultDevice() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    public ArchSpec spec() {
        return spec;
    }

    public LayerGraph graph() {
        return graph;
    }

    public SculptorBlock block() {
        return block;
    }

    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Logits {@code (N, classes)} for a batch {@code (N, C, H, W)}. */
    public NDArray forward(NDArray x, boolean training) {
        if (!training && !collecting()) {
            noGrad();
        }
        return block.forward(store, new NDList(x), training).singletonOrThrow();
    }

    /** The live array of a tensor, e.g. {@code layer1.0.conv1.weight}. */
    public NDArray array(String tensorName) {
        if (!collecting()) {
            noGrad();
        }
        return block.parameter(tensorName).getArray();
    }

    public List<String> tensorNames() {
        return block.tensorNames();
    }

    /** True while a gradient collector records on this thread (then grad mode must stay on). */
    private static boolean collecting() {
        return COLLECTING.get();
    }

    private static final ThreadLocal<Boolean> COLLECTING = ThreadLocal.withInitial(() -> false);

    /** Marks the calling thread as recording gradients (the trainer, around forward and backward). */
    public static void recording(boolean on) {
        COLLECTING.set(on);
    }

    /** Parameters that training updates (everything but BN running statistics). */
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (String n : tensorNames()) {
            Parameter p = block.parameter(n);
            if (p.requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    // ---- masks (weight-level pruning) ----

    /** Masks by weight tensor name; 1 keeps a weight, 0 holds it at zero. */
    public Map<String, NDArray> masks() {
        return java.util.Collections.unmodifiableMap(masks);
    }

    public void setMask(String tensorName, NDArray mask) {
        NDArray w = array(tensorName);
        if (!w.getShape().equals(mask.getShape())) {
            throw new ArchException("mask for " + tensorName + " has shape " + mask.getShape() + ", weight has "
                    + w.getShape());
        }
        // duplicate(): a same-type conversion may alias the caller's buffer, which it is free to close
        NDArray own = mask.toType(DataType.FLOAT32, false).toDevice(device(), false).duplicate();
        own.attach(manager);
        NDArray old = masks.put(tensorName, own);
        if (old != null) {
            old.close();
        }
        applyMasks();
    }

    /** Multiplies masked weights by their masks (after every optimiser step). */
    public void applyMasks() {
        for (Map.Entry<String, NDArray> e : masks.entrySet()) {
            array(e.getKey()).muli(e.getValue());
        }
    }

    /** Non-zero entries of the masks (or of the weights when unmasked) per weight tensor. */
    public long nonZero(String tensorName) {
        NDArray m = masks.get(tensorName);
        NDArray src = m != null ? m : array(tensorName);
        try (NDArray nz = src.countNonzero()) {
            return nz.getLong();
        }
    }

    // ---- tensors in and out ----

    /** All tensors (parameters and BN running statistics) in the graph's order. */
    public List<Tensor> exportTensors() {
        List<Tensor> out = new ArrayList<>();
        for (String n : tensorNames()) {
            Tensor t = toTensor(n, array(n));
            if (masks.containsKey(n)) {
                // masking turns negative weights into -0.0; store +0.0 so sparse files drop them
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    if (d[i] == 0f) {
                        d[i] = 0f;
                    }
                }
            }
            out.add(t);
        }
        return out;
    }

    public List<Tensor> exportMasks() {
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : masks.entrySet()) {
            out.add(toTensor(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** Overwrites every tensor; names and shapes must match the architecture exactly. */
    public void importTensors(List<Tensor> tensors, String source) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            byName.put(t.name(), t);
        }
        List<String> problems = new ArrayList<>();
        for (String n : tensorNames()) {
            Tensor t = byName.remove(n);
            Shape expected = array(n).getShape();
            if (t == null) {
                problems.add("missing tensor " + n + " " + expected);
            } else if (!expected.equals(new Shape(t.shape()))) {
                problems.add(n + " has shape " + new Shape(t.shape()) + " but the architecture expects " + expected);
            }
        }
        for (String extra : byName.keySet()) {
            problems.add("unexpected tensor " + extra);
        }
        if (!problems.isEmpty()) {
            throw new ArchException(source + ": does not fit " + spec.name() + ": " + String.join("; ",
                    problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
        }
        for (Tensor t : tensors) {
            NDArray dst = array(t.name());
            try (NDArray src = manager.create(t.data(), new Shape(t.shape()))) {
                dst.set(src.toDevice(dst.getDevice(), false).toByteBuffer());
            }
        }
    }

    public void importMasks(List<Tensor> tensors, String source) {
        for (Tensor t : tensors) {
            if (!tensorNames().contains(t.name())) {
                throw new ArchException(source + ": mask for unknown tensor " + t.name());
            }
            try (NDArray m = manager.create(t.data(), new Shape(t.shape()))) {
                setMask(t.name(), m);
            }
        }
    }

    private static Tensor toTensor(String name, NDArray a) {
        return new Tensor(name, a.getShape().getShape(), a.toType(DataType.FLOAT32, false).toFloatArray());
    }

    @Override
    public void close() {
        manager.close();
    }
}
