package dev.sculptor.engine.metrics;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.sculptor.engine.arch.Network;
import java.util.Arrays;

/**
 * Measured inference latency (batch 1) and throughput (large batch), in eval mode: warm-up passes first, then
 * repetitions, reported as the median with the 10th..90th percentile spread. Meaningful only when nothing else runs
 * on the machine (no training in this process or another one).
 */
public final class Latency {
    private Latency() {}

    /** Warm-up passes of each shape when a caller gives none. */
    public static final int DEFAULT_WARMUP = 3;

    /**
     * @param medianMillis median wall time of one single-image forward pass
     * @param imagesPerSecond throughput at {@code batch}, from the median batch time
     * @param p10Millis 10th percentile of the single-image times
     * @param p90Millis 90th percentile of the single-image times
     * @param imagesPerSecondP10 throughput from the 90th percentile (slow) batch time
     * @param imagesPerSecondP90 throughput from the 10th percentile (fast) batch time
     * @param warmup untimed passes before the timed ones (of the shape that needed more): rounds of the number asked
     *     for until a round is no faster than the one before ({@link #warmUp})
     * @param singleRuns timed single-image passes
     * @param batchRuns timed passes at {@code batch}
     * @param threads libtorch's intra-op thread count while measuring
     */
    public record Result(double medianMillis, double imagesPerSecond, int batch, double p10Millis, double p90Millis,
            double imagesPerSecondP10, double imagesPerSecondP90, int warmup, int singleRuns, int batchRuns,
            int threads) {}

    /**
     * Default warm-up, libtorch's current thread count; {@code runs} batch passes (at least 1, as before: the
     * services pass a configured count) and 5x as many single ones.
     */
    public static Result measure(Network net, int batch, int runs) {
        return measure(net, batch, Math.max(1, runs), DEFAULT_WARMUP, 0);
    }

    /**
     * @param runs timed passes at {@code batch}; single-image passes are 5x as many (each is short)
     * @param warmup untimed passes of each shape per warm-up round (allocator and kernel caches, the JIT); rounds
     *     repeat while they get faster ({@link #warmUp})
     * @param threads libtorch intra-op threads for the measurement, restored after; 0 keeps the current count
     */
    public static Result measure(Network net, int batch, int runs, int warmup, int threads) {
        if (batch < 1 || runs < 1 || warmup < 0 || threads < 0) {
            throw new IllegalArgumentException(String.format(
                    "latency: batch (%d) and runs (%d) must be at least 1, warmup (%d) and threads (%d) not negative",
                    batch, runs, warmup, threads));
        }
        Engine.getInstance();
        int before = JniUtils.getNumThreads();
        if (threads > 0 && threads != before) {
            JniUtils.setNumThreads(threads);
        }
        try {
            Shape one = new Shape(1, net.spec().channels(), net.spec().height(), net.spec().width());
            Shape many = new Shape(batch, net.spec().channels(), net.spec().height(), net.spec().width());
            int warmed = Math.max(warmUp(() -> time(net, one), warmup), warmUp(() -> time(net, many), warmup));
            double[] singles = new double[runs * 5];
            for (int i = 0; i < singles.length; i++) {
                singles[i] = time(net, one);
            }
            double[] batches = new double[runs];
            for (int i = 0; i < batches.length; i++) {
                batches[i] = time(net, many);
            }
            Arrays.sort(singles);
            Arrays.sort(batches);
            return new Result(singles[singles.length / 2] * 1e3, batch / batches[batches.length / 2], batch,
                    percentile(singles, 0.1) * 1e3, percentile(singles, 0.9) * 1e3, batch / percentile(batches, 0.9),
                    batch / percentile(batches, 0.1), warmed, singles.length, batches.length, JniUtils.getNumThreads());
        } finally {
            if (JniUtils.getNumThreads() != before) {
                JniUtils.setNumThreads(before);
            }
        }
    }

    /** Rounds of warm-up at most; a round that is still getting faster after this many is measured anyway. */
    static final int MAX_WARMUP_ROUNDS = 50;

    /**
     * Untimed passes in rounds of {@code perRound} until a round is no more than 10% faster than the one before, at most
     * {@link #MAX_WARMUP_ROUNDS}. A fixed count is not enough: in a fresh process (a service's first evaluation) the
     * JIT is still compiling the forward path: the first model measured after 3 passes ran at a fifth of its speed
     * a second later. A warm process stops after two rounds.
     *
     * @return the passes run (0 when {@code perRound} is 0)
     */
    static int warmUp(java.util.function.DoubleSupplier pass, int perRound) {
        if (perRound == 0) {
            return 0;
        }
        double previous = Double.POSITIVE_INFINITY;
        int passes = 0;
        for (int round = 0; round < MAX_WARMUP_ROUNDS; round++) {
            double t = 0;
            for (int i = 0; i < perRound; i++) {
                t += pass.getAsDouble();
            }
            passes += perRound;
            if (t > 0.9 * previous) {
                break;
            }
            previous = t;
        }
        return passes;
    }

    /** libtorch's intra-op thread count now (process-wide). */
    public static int threads() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }

    /** Nearest-rank percentile of sorted values (no interpolation: every reported time was measured). */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /** Seconds for one forward pass, including reading the result back (forces completion). */
    private static double time(Network net, Shape shape) {
        try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
            NDArray x = m.ones(shape);
            long t0 = System.nanoTime();
            net.forward(x, false).toFloatArray();
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
