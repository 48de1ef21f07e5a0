package dev.sculptor.cli;

import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Option groups shared by the commands that describe work: a prune job's method and retraining, the data, and the
 * training plan ({@code runs create} takes the last two; {@code jobs create} and {@code triggers create|update} all three,
 * as a {@link Template}). Each group turns
 * what was given into the contract's message; what was not given stays unset, so the service's defaults apply.
 */
final class Options {
    private Options() {}

    /** The prune job template: method, its settings, retrain modes, where results go. */
    static final class Method {
        @Option(names = "--method", paramLabel = "METHOD",
                description = "Pruning method: " + Choices.METHOD_WORDS + ".")
        String method;

        @Option(names = "--ratio", paramLabel = "R",
                description = "Fraction of channels removed from every prunable layer, in [0, 1) (l1, thinet, regression, sfp;"
                        + " the service's default 0.5).")
        Double ratio;

        @Option(names = "--percent", paramLabel = "P",
                description = "Global fraction removed, in [0, 1): of BatchNorm channels (slimming), of residual blocks (sss),"
                        + " of weights (weight).")
        Double percent;

        @Option(names = "--preset", paramLabel = "NAME",
                description = "A per-layer policy from the literature (l1): vgg16-a, resnet56-a, resnet56-b, resnet110-a, resnet110-b.")
        String preset;

        @Option(names = "--layer-ratio", paramLabel = "SPACE=R",
                description = "Ratio of one channel space, e.g. features.0=0.3 (repeatable).")
        Map<String, Double> ratios = new LinkedHashMap<>();

        @Option(names = "--skip", paramLabel = "SPACE", split = ",", description = "Channel spaces left unpruned (repeatable, or comma-separated).")
        List<String> skip = new ArrayList<>();

        @Option(names = "--sparsity-lambda", paramLabel = "L",
                description = "L1 penalty while training the model to prune (slimming, sss; default 1e-4).")
        Double sparsityLambda;

        @Option(names = "--include-linear", description = "Also prune linear layers (weight).")
        boolean includeLinear;

        @Option(names = "--retrain", paramLabel = "MODES",
                description = "Retrain the pruned model in each of these modes, comma-separated: " + Choices.MODE_WORDS
                        + " (default fine-tune).")
        List<String> retrain = new ArrayList<>();

        @Option(names = "--target-model", paramLabel = "MODEL",
                description = "Register the pruned model and the candidates under this model (default: the pruned version's model).")
        String targetModel;

        @Option(names = "--display-name", paramLabel = "TEXT", description = "The job's human-readable name.")
        String displayName;

        /** True when any option of this group was given. */
        boolean given() {
            return method != null || ratio != null || percent != null || preset != null || !ratios.isEmpty() || !skip.isEmpty()
                    || sparsityLambda != null || includeLinear || !retrain.isEmpty() || targetModel != null || displayName != null;
        }

        /** The method and its settings; usage errors name the option at fault. */
        MethodSpec spec() {
            if (method == null) {
                throw CliException.usage("missing --method (one of " + Choices.METHOD_WORDS + ")");
            }
            PruningMethod m = Choices.method(method);
            String word = Choices.word(m);
            MethodSpec.Builder b = MethodSpec.newBuilder().setMethod(m);
            if (ratio != null) {
                fraction("--ratio", ratio);
                if (Choices.usesPercent(m)) {
                    throw CliException.usage("--ratio does not apply to " + word + ": use --percent");
                }
                b.setRatio(ratio);
            }
            if (percent != null) {
                fraction("--percent", percent);
                if (!Choices.usesPercent(m)) {
                    throw CliException.usage("--percent does not apply to " + word + ": use --ratio");
                }
                b.setPercent(percent);
            }
            if (preset != null) {
                if (m != PruningMethod.L1_NORM) {
                    throw CliException.usage("--preset applies to l1 only, not to " + word);
                }
                b.setPreset(preset);
            }
            ratios.forEach((space, r) -> fraction("--layer-ratio " + space, r));
            b.putAllRatios(ratios);
            for (String s : skip) {
                if (s.isBlank()) {
                    throw CliException.usage("--skip: empty channel space id");
                }
                b.addSkip(s.trim());
            }
            if (sparsityLambda != null) {
                if (m != PruningMethod.NETWORK_SLIMMING && m != PruningMethod.SPARSE_STRUCTURE_SELECTION) {
                    throw CliException.usage("--sparsity-lambda applies to slimming and sss only, not to " + word);
                }
                if (!(sparsityLambda >= 0)) {
                    throw CliException.usage("--sparsity-lambda must be >= 0, got " + sparsityLambda);
                }
                b.setSparsityLambda(sparsityLambda);
            }
            if (includeLinear) {
                if (m != PruningMethod.WEIGHT_LEVEL) {
                    throw CliException.usage("--include-linear applies to weight only, not to " + word);
                }
                b.setIncludeLinear(true);
            }
            return b.build();
        }

        /** A job with this template's fields, the given data and plan (null: the service's defaults). */
        PruneJob.Builder job(DatasetRef dataset, TrainingPlan plan) {
            PruneJob.Builder j = PruneJob.newBuilder().setMethod(spec()).setDataset(dataset);
            List<RetrainMode> modes = Choices.modes(retrain);
            j.addAllRetrainModes(modes);
            if (plan != null) {
                j.setPlan(plan);
            }
            if (targetModel != null) {
                j.setTargetModel(Names.model(targetModel));
            }
            if (displayName != null) {
                j.setDisplayName(displayName);
            }
            return j;
        }

        private static void fraction(String option, double v) {
            if (!(v >= 0 && v < 1)) {
                throw CliException.usage(option + " must be in [0, 1), got " + v);
            }
        }
    }

    /** A whole prune job template ({@code jobs create}, {@code triggers create|update}): method, data and plan. */
    static final class Template {
        @Mixin
        Method method;

        @Mixin
        Data data;

        @Mixin
        Plan plan;

        boolean given() {
            return method.given() || data.given() || plan.given();
        }

        /** The job these options describe (the service's defaults for what was not given); usage errors name the option. */
        PruneJob.Builder job() {
            return method.job(data.ref(), plan.plan());
        }
    }

    /** The data to train, score and evaluate with. */
    static final class Data {
        static final String DEFAULT_DATASET = "fashion-mnist";

        @Option(names = "--dataset", paramLabel = "URI",
                description = "fashion-mnist, cifar10, cifar10:s3://bucket/prefix or file:/path (default ${DEFAULT-VALUE}).",
                defaultValue = DEFAULT_DATASET)
        String dataset = DEFAULT_DATASET;

        @Option(names = "--train-subset", paramLabel = "N", description = "Train on a fixed, seeded subset of N images (default: all).")
        Integer trainSubset;

        @Option(names = "--test-subset", paramLabel = "N", description = "Evaluate on a fixed, seeded subset of N images (default: all).")
        Integer testSubset;

        boolean given() {
            return !DEFAULT_DATASET.equals(dataset) || trainSubset != null || testSubset != null;
        }

        DatasetRef ref() {
            if (dataset == null || dataset.isBlank()) {
                throw CliException.usage("--dataset must not be empty");
            }
            DatasetRef.Builder d = DatasetRef.newBuilder().setUri(dataset.trim());
            if (trainSubset != null) {
                d.setTrainSubset(atLeast("--train-subset", trainSubset, 0));
            }
            if (testSubset != null) {
                d.setTestSubset(atLeast("--test-subset", testSubset, 0));
            }
            return d.build();
        }
    }

    /** How to train; only what is given is sent. */
    static final class Plan {
        @Option(names = "--epochs", paramLabel = "N", description = "Epochs of training (of the baseline, for a prune job: Scratch-E"
                + " trains as many, Scratch-B scales from them).")
        Integer epochs;

        @Option(names = "--finetune-epochs", paramLabel = "N", description = "Epochs of fine-tuning.")
        Integer finetuneEpochs;

        @Option(names = "--lr", paramLabel = "LR", description = "Initial learning rate.")
        Double lr;

        @Option(names = "--finetune-lr", paramLabel = "LR", description = "Constant learning rate of fine-tuning.")
        Double finetuneLr;

        @Option(names = "--schedule", paramLabel = "S", description = "Learning-rate schedule: " + Choices.SCHEDULE_WORDS + ".")
        String schedule;

        @Option(names = "--batch-size", paramLabel = "N", description = "Images per step.")
        Integer batchSize;

        @Option(names = "--seed", paramLabel = "N", description = "Seed of initialisation, data order and augmentation.")
        Long seed;

        @Option(names = "--scratch-b-cap", paramLabel = "X", description = "Scratch-B trains at most X times the baseline's epochs.")
        Double scratchBCap;

        boolean given() {
            return epochs != null || finetuneEpochs != null || lr != null || finetuneLr != null || schedule != null
                    || batchSize != null || seed != null || scratchBCap != null;
        }

        /** The plan, or null when no option was given. */
        TrainingPlan plan() {
            if (!given()) {
                return null;
            }
            TrainingPlan.Builder p = TrainingPlan.newBuilder();
            if (epochs != null) {
                p.setEpochs(atLeast("--epochs", epochs, 1));
            }
            if (finetuneEpochs != null) {
                p.setFinetuneEpochs(atLeast("--finetune-epochs", finetuneEpochs, 1));
            }
            if (lr != null) {
                p.setLearningRate(positive("--lr", lr));
            }
            if (finetuneLr != null) {
                p.setFinetuneLearningRate(positive("--finetune-lr", finetuneLr));
            }
            if (schedule != null) {
                p.setSchedule(Choices.schedule(schedule));
            }
            if (batchSize != null) {
                p.setBatchSize(atLeast("--batch-size", batchSize, 1));
            }
            if (seed != null) {
                p.setSeed(seed);
            }
            if (scratchBCap != null) {
                p.setScratchBCap(positive("--scratch-b-cap", scratchBCap));
            }
            return p.build();
        }
    }

    static int atLeast(String option, int v, int min) {
        if (v < min) {
            throw CliException.usage(option + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    static double positive(String option, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw CliException.usage(option + " must be > 0, got " + v);
        }
        return v;
    }
}
