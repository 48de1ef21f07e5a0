package dev.sculptor.engine.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.Network;
import java.util.Arrays;

/** Measured inference latency (batch 1, median) and throughput (large batch), in eval mode. */
public final class Latency {
    private Latency() {}

    /**
     * @param medianMillis median wall time of one single-image forward pass
     * @param imagesPerSecond throughput at {@code batch}
     */
    public record Result(double medianMillis, double imagesPerSecond, int batch) {}

    public static Result measure(Network net, int batch, int runs) {
        Shape one = new Shape(1, net.spec().channels(), net.spec().height(), net.spec().width());
        Shape many = new Shape(batch, net.spec().channels(), net.spec().height(), net.spec().width());
        for (int i = 0; i < 3; i++) {
            time(net, one);
            time(net, many);
        }
        double[] singles = new double[Math.max(runs * 5, 5)];
        for (int i = 0; i < singles.length; i++) {
            singles[i] = time(net, one);
        }
        double[] batches = new double[Math.max(runs, 1)];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = time(net, many);
        }
        Arrays.sort(singles);
        Arrays.sort(batches);
        return new Result(singles[singles.length / 2] * 1e3, batch / batches[batches.length / 2], batch);
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
