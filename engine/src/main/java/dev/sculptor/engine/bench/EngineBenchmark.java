package dev.sculptor.engine.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.Latency;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Speed figures of the engine on this machine, all measured in one run so their ratios are
 * comparable on a noisy shared machine: large-matmul FLOP/s (the ceiling), training images/s and
 * achieved FLOP/s, and inference speedup of pruned models against their FLOPs reduction.
 */
public final class EngineBenchmark {
    private final String arch;
    private final String dataset;
    private final int steps;
    private final int batch;
    private final PrintStream out;

    public EngineBenchmark(String arch, String dataset, int steps, int batch, PrintStream out) {
        this.arch = arch;
        this.dataset = dataset;
        this.steps = steps;
        this.batch = batch;
        this.out = out;
    }

    public void run() {
        ArchSpec spec = Architectures.named(arch, new DataSpec(dataset, null, 0, 0).inputShape(), 10);
        out.printf("machine: %d cores, %s %s, java %s, device %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                Network.defaultDevice());

        double matmul = matmulFlops(1024);
        out.printf("large matmul (1024x1024 float32): %.2f GFLOP/s%n", matmul / 1e9);

        long macs = ModelStats.of(spec).flops();
        ImageDataset synthetic = synthetic(spec, steps * batch);
        try (Network net = Network.create(spec, 1)) {
            TrainConfig warm = new TrainConfig(1, batch, 0.01, 0.9, 1e-4, "constant", 1, true, null, false, false);
            new Trainer(warm).train(net, synthetic.subset(Math.min(3 * batch, synthetic.size()), 1), null);
            Trainer.Result r = new Trainer(warm).train(net, synthetic, null);
            double ips = r.history().get(0).imagesPerSecond();
            // forward + backward is about 3x the forward multiply-accumulates, 2 FLOPs each
            double achieved = ips * macs * 3 * 2;
            out.printf("training %s, batch %d: %.1f images/s, %.2f GFLOP/s achieved = %.1f%% of matmul%n", spec.name(), batch,
                    ips, achieved / 1e9, 100 * achieved / matmul);

            Latency.Result base = Latency.measure(net, batch, 5);
            out.printf("%ninference, batch %d (throughput) and batch 1 (median latency):%n", batch);
            out.printf("%-28s %14s %10s %12s %10s %10s%n", "model", "FLOPs", "FLOPs x", "img/s", "speedup", "latency");
            row(spec.name(), macs, macs, base, base);
            List<PruningMethod> methods = List.of(
                    new L1NormPruning(null, 0.25, Map.of(), Set.of()),
                    new L1NormPruning(null, 0.5, Map.of(), Set.of()),
                    new L1NormPruning(null, 0.75, Map.of(), Set.of()),
                    new WeightLevelPruning(0.8, false));
            for (PruningMethod m : methods) {
                PruneResult pr = m.prune(net);
                try (Network p = pr.network()) {
                    long f = ModelStats.of(p).flops();
                    row(m.name() + " " + m.settings(), macs, f, base, Latency.measure(p, batch, 5));
                }
            }
            out.println("(weight-level FLOPs count non-zero weights; dense kernels do not skip zeros, so no speedup is expected)");
        }
    }

    private void row(String name, long baseFlops, long flops, Latency.Result base, Latency.Result r) {
        out.printf("%-28s %,14d %9.2fx %,12.0f %9.2fx %8.3fms%n", name.length() > 28 ? name.substring(0, 28) : name, flops,
                (double) baseFlops / flops, r.imagesPerSecond(), r.imagesPerSecond() / base.imagesPerSecond(), r.medianMillis());
    }

    static double matmulFlops(int n) {
        try (NDManager m = NDManager.newBaseManager(Network.defaultDevice())) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int reps = 10;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // forces completion on asynchronous devices
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return 2.0 * n * n * n * reps / secs;
        }
    }

    static ImageDataset synthetic(ArchSpec spec, int n) {
        int size = spec.channels() * spec.height() * spec.width();
        byte[] pixels = new byte[n * size];
        new Random(7).nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % spec.numClasses();
        }
        float[] mean = new float[spec.channels()];
        float[] std = new float[spec.channels()];
        java.util.Arrays.fill(mean, 0.5f);
        java.util.Arrays.fill(std, 0.25f);
        return ImageDataset.of("synthetic", spec.channels(), spec.height(), spec.width(), spec.numClasses(), pixels, labels,
                mean, std);
    }
}
