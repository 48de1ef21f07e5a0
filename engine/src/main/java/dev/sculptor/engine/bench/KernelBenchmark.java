package dev.sculptor.engine.bench;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Latency;
import dev.sculptor.engine.numerics.KernelConfig;
import dev.sculptor.engine.numerics.Numerics;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the channel-padding remedy costs: training and inference speed of pruned networks (widths that are not
 * multiples of 16, where padding adds arithmetic) with the native kernels and with padded channels, alternated
 * within one run so that the ratio is comparable on a noisy machine; median and range over the repeats.
 */
public final class KernelBenchmark {
    private final int repeats;
    private final int steps;
    private final int batch;
    private final PrintStream out;

    public KernelBenchmark(int repeats, int steps, int batch, PrintStream out) {
        this.repeats = repeats;
        this.steps = steps;
        this.batch = batch;
        this.out = out;
    }

    public void run() {
        Numerics.Decision chosen = Numerics.decision();
        out.println(chosen.line());
        int threads = chosen.chosen() != null ? chosen.chosen().threads() : Runtime.getRuntime().availableProcessors();
        List<KernelConfig> configs = List.of(KernelConfig.nativeKernels(threads), KernelConfig.padded(threads));
        out.printf("%-34s %-8s %22s %22s%n", "pruned model (L1, 30%)", "kernels", "train img/s", "inference img/s");
        try {
            for (String[] a : new String[][] {{"lenet", "1,28,28"}, {"resnet20", "3,32,32"}, {"vgg11", "3,32,32"}}) {
                List<Integer> shape = Arrays.stream(a[1].split(",")).map(Integer::valueOf).toList();
                ArchSpec spec = Architectures.named(a[0], shape, 10);
                try (Network base = Network.create(spec, 1);
                        Network pruned = new L1NormPruning(null, 0.3, Map.of(), Set.of()).prune(base).network()) {
                    ImageDataset data = EngineBenchmark.synthetic(pruned.spec(), steps * batch);
                    double[][] train = new double[configs.size()][repeats];
                    double[][] infer = new double[configs.size()][repeats];
                    for (int r = 0; r < repeats; r++) {
                        for (int c = 0; c < configs.size(); c++) {
                            Numerics.use(configs.get(c), "kernel benchmark");
                            TrainConfig tc = new TrainConfig(1, batch, 0.01, 0.9, 1e-4, "constant", 1, false, null, false, false);
                            new Trainer(tc).train(pruned, data.subset(Math.min(2 * batch, data.size()), 1), null); // warm-up
                            train[c][r] = new Trainer(tc).train(pruned, data, null).history().get(0).imagesPerSecond();
                            infer[c][r] = Latency.measure(pruned, batch, 5).imagesPerSecond();
                        }
                    }
                    String name = a[0] + " " + (pruned.spec().convWidths() != null ? pruned.spec().convWidths() : pruned.spec().blocks());
                    for (int c = 0; c < configs.size(); c++) {
                        out.printf("%-34s %-8s %22s %22s%n", name.length() > 34 ? name.substring(0, 31) + "..." : name,
                                configs.get(c).id(), spread(train[c]), spread(infer[c]));
                    }
                    out.printf("%-34s %-8s %21.2fx %21.2fx%n", "", "pad/nat", median(train[1]) / median(train[0]),
                            median(infer[1]) / median(infer[0]));
                }
            }
        } finally {
            if (chosen.chosen() != null) {
                Numerics.use(chosen.chosen(), "restored after the kernel benchmark");
            }
        }
        out.println("(median [min-max] of " + repeats + " alternated repeats; " + steps + " training steps of batch " + batch
                + " on synthetic data; inference at batch " + batch + ")");
    }

    private static String spread(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%.0f [%.0f-%.0f]", median(v), s[0], s[s.length - 1]);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
