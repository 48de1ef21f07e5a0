package dev.sculptor.engine.numerics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * The libtorch operations the engine's networks are made of, called the way {@code SculptorBlock} calls them.
 * {@link SelfCheck} checks an {@code Ops}; a test replaces one operation with a faulty one to prove the check
 * notices.
 */
@FunctionalInterface
public interface Ops {
    float BN_MOMENTUM = 0.9f; // DJL convention: running = 0.9 running + 0.1 batch
    float BN_EPS = 1e-5f;

    /** Input {@code (N, C, H, W)}, weight {@code (K, C, k, k)}, bias {@code (K)} or null. */
    NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding);

    /** Batch normalisation over axis 1 of {@code (N, C, H, W)} or {@code (N, F)}. */
    default NDArray batchNorm(NDArray x, NDArray mean, NDArray var, NDArray gamma, NDArray beta, boolean training) {
        return BatchNorm.batchNorm(x, mean, var, gamma, beta, 1, BN_MOMENTUM, BN_EPS, training).singletonOrThrow();
    }

    default NDArray maxPool2(NDArray x) {
        return Pool.maxPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
    }

    default NDArray avgPool2(NDArray x) {
        return Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
    }

    default NDArray globalAvgPool(NDArray x) {
        return Pool.globalAvgPool2d(x);
    }

    default NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    default NDArray relu(NDArray x) {
        return Activation.relu(x);
    }

    default NDArray logSoftmax(NDArray x) {
        return x.logSoftmax(1);
    }

    /** The engine's operations in a configuration. */
    static Ops of(KernelConfig cfg) {
        return (x, w, b, stride, padding) -> Kernels.conv2d(cfg, x, w, b, stride, padding);
    }
}
