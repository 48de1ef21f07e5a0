package dev.sculptor.engine.cli;

import dev.sculptor.engine.bench.EngineBenchmark;
import dev.sculptor.engine.bench.KernelBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints measured speed figures of this machine's engine; not a test. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training images/s and FLOP/s against large-matmul FLOP/s, and inference speedup of "
                + "pruned models against their FLOPs reduction.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "vgg11", description = "model to measure (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--dataset", defaultValue = "cifar10", description = "input shape of (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--steps", defaultValue = "20", description = "timed training steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch-size", defaultValue = "64", description = "(default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kernels", description = "instead: what padding convolution channels (the remedy for CPUs whose"
            + " kernels are wrong at pruned widths) costs, native against padded, on pruned LeNet, ResNet-20 and VGG-11")
    boolean kernels;

    @Option(names = "--repeats", defaultValue = "3", description = "with --kernels: alternated repeats (default: ${DEFAULT-VALUE})")
    int repeats;

    @Override
    public Integer call() {
        if (kernels) {
            new KernelBenchmark(repeats, steps, batch, System.out).run();
            return 0;
        }
        new EngineBenchmark(arch, dataset, steps, batch, System.out).run();
        return 0;
    }
}
