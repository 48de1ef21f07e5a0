package dev.sculptor.engine.numerics;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** libtorch's intra-op thread count, process-wide (DJL sets it from {@code ai.djl.pytorch.num_threads} at start). */
final class Threads {
    private Threads() {}

    static int current() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }

    static void set(int threads) {
        Engine.getInstance();
        if (JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }
}
