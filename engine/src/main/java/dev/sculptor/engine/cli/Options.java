package dev.sculptor.engine.cli;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.NetworkSlimming;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.engine.train.TrainConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/** Option groups shared by the engine commands (picocli mixins). */
final class Options {
    private Options() {}

    static final class Data {
        @Option(names = "--dataset", description = "fashion-mnist or cifar10 (default: ${DEFAULT-VALUE})",
                defaultValue = "fashion-mnist")
        String dataset;

        @Option(names = "--data-dir", description = "directory of the dataset files (default: the dataset's standard place)")
        Path dataDir;

        @Option(names = "--train-subset", description = "use a deterministic subset of this many training images (0 = all)")
        int trainSubset;

        @Option(names = "--test-subset", description = "use a deterministic subset of this many test images (0 = all)")
        int testSubset;

        DataSpec spec() {
            return new DataSpec(dataset, dataDir, trainSubset, testSubset);
        }
    }

    static final class Training {
        @Option(names = "--epochs", description = "training epochs (default: ${DEFAULT-VALUE})", defaultValue = "10")
        int epochs;

        @Option(names = "--batch-size", description = "(default: ${DEFAULT-VALUE})", defaultValue = "64")
        int batchSize;

        @Option(names = "--lr", description = "initial learning rate (default: 0.1 as in the paper; 0.05 for lenet, "
                + "whose classifier has no BatchNorm)")
        Double lr;

        @Option(names = "--momentum", description = "(default: ${DEFAULT-VALUE})", defaultValue = "0.9")
        double momentum;

        @Option(names = "--weight-decay", description = "(default: ${DEFAULT-VALUE})", defaultValue = "1e-4")
        double weightDecay;

        @Option(names = "--schedule", description = "step (x0.1 at 50%% and 75%%), cosine or constant (default: ${DEFAULT-VALUE})",
                defaultValue = "step")
        String schedule;

        @Option(names = "--seed", description = "(default: ${DEFAULT-VALUE})", defaultValue = "1")
        long seed;

        @Option(names = "--no-augment", description = "disable pad-4 random crop and horizontal flip")
        boolean noAugment;

        TrainConfig config(String arch) {
            double rate = lr != null ? lr : arch.startsWith("lenet") ? 0.05 : 0.1;
            return new TrainConfig(epochs, batchSize, rate, momentum, weightDecay, schedule, seed, !noAugment, null, false,
                    true);
        }
    }

    static final class Method {
        @Option(names = "--method", required = true, description = "l1, slimming or weight")
        String method;

        @Option(names = "--preset", description = "l1 presets: " + "vgg16-a, resnet56-a, resnet56-b, resnet110-a, resnet110-b")
        String preset;

        @Option(names = "--ratio", description = "l1: fraction of filters removed in every prunable layer (default: ${DEFAULT-VALUE})",
                defaultValue = "0.5")
        double ratio;

        @Option(names = "--ratios", split = ",", description = "l1: per-layer ratios, e.g. features.0=0.5,features.1=0.3")
        Map<String, Double> ratios = new LinkedHashMap<>();

        @Option(names = "--skip", split = ",", description = "l1: channel spaces left alone, e.g. features.0")
        Set<String> skip = new LinkedHashSet<>();

        @Option(names = "--percent", description = "slimming: fraction of all BN channels removed; weight: fraction of conv weights "
                + "removed (default: 0.5 for slimming, 0.8 for weight)")
        Double percent;

        @Option(names = "--lambda", description = "slimming: L1 sparsity on BN scales during baseline training (default: ${DEFAULT-VALUE})",
                defaultValue = "1e-4")
        double lambda;

        @Option(names = "--include-linear", description = "weight: also prune linear layers")
        boolean includeLinear;

        PruningMethod build() {
            return switch (method.toLowerCase(java.util.Locale.ROOT)) {
                case "l1", "l1-norm" -> new L1NormPruning(preset, ratio, ratios, skip);
                case "slimming", "network-slimming" -> new NetworkSlimming(percent != null ? percent : 0.5, lambda);
                case "weight", "weight-level" -> new WeightLevelPruning(percent != null ? percent : 0.8, includeLinear);
                case "thinet", "regression", "sss", "sfp" -> throw new ArchException("method '" + method
                        + "' is not available in this engine yet (available: l1, slimming, weight)");
                default -> throw new ArchException("unknown method '" + method + "' (available: l1, slimming, weight)");
            };
        }
    }

    static List<Long> seeds(List<Long> seeds) {
        return seeds == null || seeds.isEmpty() ? List.of(1L) : seeds;
    }
}
