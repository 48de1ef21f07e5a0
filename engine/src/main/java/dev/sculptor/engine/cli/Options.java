package dev.sculptor.engine.cli;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.prune.MethodDef;
import dev.sculptor.engine.prune.MethodSettings;
import dev.sculptor.engine.prune.PruningMethod;
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
        @Option(names = "--method", required = true, description = "l1, slimming, weight, sss, sfp (soft filter pruning), "
                + "thinet or regression (channel pruning by LASSO regression)")
        String method;

        @Option(names = "--preset", description = "l1: vgg16-a, resnet56-a, resnet56-b, resnet110-a, "
                + "resnet110-b; sss: resnet-41, resnet-32, resnet-26 (target depths); "
                + "thinet: thinet-30, thinet-50, thinet-70 (keep 30/50/70%% of each prunable layer)")
        String preset;

        @Option(names = "--ratio", description = "l1, thinet, regression: fraction of filters removed in every prunable "
                + "layer (default: ${DEFAULT-VALUE})",
                defaultValue = "0.5")
        double ratio;

        @Option(names = "--ratios", split = ",", description = "l1, thinet, regression: per-layer ratios, e.g. "
                + "features.0=0.5,features.1=0.3")
        Map<String, Double> ratios = new LinkedHashMap<>();

        @Option(names = "--skip", split = ",", description = "l1, sfp, thinet, regression: channel spaces left alone, "
                + "e.g. features.0")
        Set<String> skip = new LinkedHashSet<>();

        @Option(names = "--rate", description = "sfp: fraction of filters zeroed (int(n * rate)) in every conv before the first "
                + "and after every epoch, finally removed where the layer can shrink (default: ${DEFAULT-VALUE})", defaultValue = "0.3")
        double sfpRate;

        @Option(names = "--rates", split = ",", description = "sfp: per-layer rates, e.g. features.0=0.5,features.1=0.2")
        Map<String, Double> sfpRates = new LinkedHashMap<>();

        @Option(names = "--percent", description = "slimming: fraction of all BN channels removed; weight: fraction of conv weights "
                + "removed (default: 0.5 for slimming, 0.8 for weight)")
        Double percent;

        @Option(names = "--lambda", description = "slimming: L1 sparsity on BN scales during baseline training (default: "
                + "as the reference, by architecture: 1e-4 for vgg, resnet and lenet, 1e-5 for preresnet)")
        Double lambda;

        @Option(names = "--include-linear", description = "weight: also prune linear layers")
        boolean includeLinear;

        @Option(names = "--gamma", defaultValue = "0.01",
                description = "sss: sparsity on the residual-block scales (APG, soft-threshold lr*gamma) (default: ${DEFAULT-VALUE})")
        double sssGamma;

        @Option(names = "--target-depth", description = "sss: rank blocks by |scale| and keep those of this depth: selection 'magnitude', "
                + "reported as sss-magnitude (presets resnet-41|32|26 set it too); without it only zero scales go")
        Integer targetDepth;

        @Option(names = "--keep", description = "thinet, regression: fraction of channels kept in every prunable layer "
                + "(instead of --ratio: ratio = 1 - keep)")
        Double keep;

        @Option(names = "--samples", defaultValue = "256", description = "thinet, regression: training images sampled "
                + "for the next layer's inputs (default: ${DEFAULT-VALUE})")
        int samples;

        @Option(names = "--locations", defaultValue = "10", description = "thinet, regression: random output locations "
                + "sampled per image and layer (default: ${DEFAULT-VALUE})")
        int locations;

        @Option(names = "--refit", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "thinet: least-squares scaling of the next layer's kept input channels; regression: "
                        + "least-squares reconstruction of the next layer (default: on; --no-refit only slices)")
        boolean refit;

        /** {@code --ratio}, or {@code 1 - --keep} when given. */
        double dataDrivenRatio() {
            if (keep == null) {
                return ratio;
            }
            if (!(keep > 0 && keep <= 1)) {
                throw new ArchException("--keep must be in (0, 1], got " + keep);
            }
            return 1 - keep;
        }

        /** The method; one that needs training data fails with a clear message (use {@link #build(java.util.function.Supplier)}). */
        PruningMethod build() {
            return build(() -> {
                throw new ArchException("method '" + method + "' needs the training data");
            });
        }

        /** The method; {@code train} (the training split) is loaded only by methods that sample data. */
        PruningMethod build(java.util.function.Supplier<dev.sculptor.engine.data.ImageDataset> train) {
            return build(null, train);
        }

        /**
         * The method for a network of {@code arch} (null: not known, then an unset {@code --lambda} is the contract's
         * default); {@code train} is loaded only by methods that sample data.
         */
        PruningMethod build(dev.sculptor.engine.arch.ArchSpec arch,
                java.util.function.Supplier<dev.sculptor.engine.data.ImageDataset> train) {
            MethodDef def = MethodDef.byName(method);
            boolean sfp = def == MethodDef.SOFT_FILTER_PRUNING;
            boolean sss = def == MethodDef.SPARSE_STRUCTURE_SELECTION;
            // slimming's lambda, when not given, follows the architecture family as in the reference
            double sparsity = lambda != null ? lambda : def.defaultLambda(arch);
            return def.create(new MethodSettings(preset, sfp ? sfpRate : def.needsData() ? dataDrivenRatio() : ratio,
                    sfp ? sfpRates : ratios, skip, percent, sss ? sssGamma : sparsity, includeLinear, targetDepth, samples,
                    locations, refit), train);
        }
    }

    static List<Long> seeds(List<Long> seeds) {
        return seeds == null || seeds.isEmpty() ? List.of(1L) : seeds;
    }
}
