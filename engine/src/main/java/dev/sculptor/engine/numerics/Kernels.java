package dev.sculptor.engine.numerics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * The engine's convolution: every conv of every network goes through here, in the configuration
 * {@link Numerics} proved exact on this machine.
 */
public final class Kernels {
    private Kernels() {}

    /**
     * 2-D convolution, dilation 1, one group. Input {@code (N, C, H, W)}, weight {@code (K, C, kh, kw)}, bias
     * {@code (K)} or null; output {@code (N, K, H', W')}.
     */
    public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        return conv2d(Numerics.config(), x, weight, bias, stride, padding);
    }

    /** The same in an explicit configuration (the self-check tries several). */
    public static NDArray conv2d(KernelConfig cfg, NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
        Shape ws = weight.getShape();
        long k = ws.get(0);
        long c = ws.get(1);
        long cp = cfg.paddedInputs(c);
        long kp = cfg.paddedOutputs(k);
        if (cp != c) {
            Shape xs = x.getShape();
            x = x.concat(zeros(x, new Shape(xs.get(0), cp - c, xs.get(2), xs.get(3))), 1);
            weight = weight.concat(zeros(weight, new Shape(k, cp - c, ws.get(2), ws.get(3))), 1);
        }
        if (kp != k) {
            weight = weight.concat(zeros(weight, new Shape(kp - k, cp, ws.get(2), ws.get(3))), 0);
            if (bias != null) {
                bias = bias.concat(zeros(bias, new Shape(kp - k)), 0);
            }
        }
        NDArray y = Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(padding, padding),
                new Shape(1, 1), 1).singletonOrThrow();
        return kp != k ? y.get(new NDIndex(":, 0:{}", k)) : y;
    }

    private static NDArray zeros(NDArray like, Shape shape) {
        NDManager m = like.getManager();
        return m.zeros(shape, like.getDataType(), like.getDevice());
    }
}
