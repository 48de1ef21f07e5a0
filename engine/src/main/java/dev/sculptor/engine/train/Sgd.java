package dev.sculptor.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum and weight decay on every trainable tensor (BN scales included, as in the
 * reference), with PyTorch's momentum semantics. Momentum buffers are created once, outside any per-batch scope, and saved with
 * checkpoints so a resumed run continues exactly.
 */
public final class Sgd implements AutoCloseable {
    private final Network net;
    private final float momentum;
    private final float weightDecay;
    private final Map<String, NDArray> buffers = new LinkedHashMap<>();

    public Sgd(Network net, double momentum, double weightDecay) {
        this.net = net;
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
        for (Parameter p : net.trainableParameters()) {
            NDArray buf = p.getArray().zerosLike();
            buf.attach(net.manager());
            buffers.put(p.getName(), buf);
        }
    }

    /** One update with the gradients accumulated by backward; gradients are zeroed after. */
    public void step(double lr) {
        for (Parameter p : net.trainableParameters()) {
            NDArray w = p.getArray();
            NDArray g = w.getGradient();
            NDArray buf = buffers.get(p.getName());
            // PyTorch semantics: buf = m*buf + (g + wd*w); w -= lr*buf. The engine's own momentum
            // update keeps lr inside the buffer, so after a learning-rate drop the old momentum
            // carries on at the old rate and overshoots; here a drop takes effect at once.
            try (NDArray decay = w.mul(weightDecay)) {
                buf.muli(momentum).addi(g).addi(decay);
            }
            // fused w -= lr*buf, which also zeroes w's gradient for the next backward
            w.getNDArrayInternal().sgdUpdate(new NDList(w, buf), new NDList(w), (float) lr, 0f, 1f, -1f, 0f, true);
            g.close();
        }
    }

    public List<Tensor> exportState() {
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : buffers.entrySet()) {
            out.add(new Tensor(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
        }
        return out;
    }

    public void importState(List<Tensor> state) {
        for (Tensor t : state) {
            NDArray buf = buffers.get(t.name());
            if (buf == null || !java.util.Arrays.equals(buf.getShape().getShape(), t.shape())) {
                throw new IllegalStateException("optimizer state for " + t.name() + " does not fit the network");
            }
            buf.set(t.data());
        }
    }

    /** Frees the momentum buffers. */
    @Override
    public void close() {
        buffers.values().forEach(NDArray::close);
        buffers.clear();
    }
}
