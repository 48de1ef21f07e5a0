package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.prune.PruningMethods;
import dev.sculptor.engine.prune.SparseStructureSelection;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The contract's {@code MethodSpec} as one of the engine's seven methods (the ones studied by Liu et
 * al., "Rethinking the Value of Network Pruning", ICLR 2019), with the contract's defaults. Which
 * channels go is decided by the engine; this class only maps settings and says how a job gets there:
 * channel methods through the scoring service's stored decision, data-driven ones (ThiNet, channel
 * regression) by sampling activations during the pruning step itself.
 */
public final class Methods {
    /** Methods whose kept channels the scoring service stores ({@code channel_scores[].kept_channels}). */
    static final Set<PruningMethod> CHANNEL_SCORED = EnumSet.of(PruningMethod.L1_NORM, PruningMethod.NETWORK_SLIMMING,
            PruningMethod.SOFT_FILTER_PRUNING);

    /** Methods that select channels from sampled activations: no scores are computed ahead of pruning. */
    static final Set<PruningMethod> DATA_DRIVEN = EnumSet.of(PruningMethod.THINET, PruningMethod.REGRESSION);

    private Methods() {}

    /** Whether the job asks the scoring service first. */
    public static boolean scored(PruningMethod m) {
        return !DATA_DRIVEN.contains(m);
    }

    /** Whether the pruning step shrinks with the stored kept channels instead of re-running the policy. */
    public static boolean usesStoredChannels(PruningMethod m) {
        return CHANNEL_SCORED.contains(m);
    }

    /** The engine's id of a method, as recorded in lineage, e.g. {@code l1-norm}. */
    public static String id(PruningMethod m) {
        return switch (m) {
            case L1_NORM -> "l1-norm";
            case THINET -> "thinet";
            case REGRESSION -> "channel-regression";
            case NETWORK_SLIMMING -> "network-slimming";
            case SPARSE_STRUCTURE_SELECTION -> "sparse-structure-selection";
            case SOFT_FILTER_PRUNING -> "soft-filter-pruning";
            case WEIGHT_LEVEL -> "weight-level";
            default -> m.name();
        };
    }

    /** Checks a request's method without building anything; names the field at fault. */
    public static void validate(MethodSpec s) {
        PruningMethod m = s.getMethod();
        if (m == PruningMethod.PRUNING_METHOD_UNSPECIFIED) {
            throw JobException.invalid("method.method", "is required (L1_NORM, THINET, REGRESSION, NETWORK_SLIMMING, "
                    + "SPARSE_STRUCTURE_SELECTION, SOFT_FILTER_PRUNING or WEIGHT_LEVEL)");
        }
        if (m == PruningMethod.UNRECOGNIZED) {
            throw JobException.invalid("method.method", "unknown value " + s.getMethodValue());
        }
        if (s.hasRatio() && !(s.getRatio() >= 0 && s.getRatio() < 1)) {
            throw JobException.invalid("method.ratio", "must be in [0, 1), got " + s.getRatio());
        }
        s.getRatiosMap().forEach((k, v) -> {
            if (!(v >= 0 && v < 1)) {
                throw JobException.invalid("method.ratios[" + k + "]", "must be in [0, 1), got " + v);
            }
        });
        if (s.hasPercent() && !(s.getPercent() >= 0 && s.getPercent() < 1)) {
            throw JobException.invalid("method.percent", "must be in [0, 1), got " + s.getPercent());
        }
        if (m == PruningMethod.SPARSE_STRUCTURE_SELECTION && s.hasPercent()) {
            throw JobException.precondition("method.percent: the engine's Sparse Structure Selection removes the blocks whose "
                    + "trained scales are zero, or keeps a preset depth (" + SparseStructureSelection.PRESETS + "), not a percent");
        }
        if (!s.getPreset().isBlank() && m != PruningMethod.L1_NORM && m != PruningMethod.THINET
                && m != PruningMethod.SPARSE_STRUCTURE_SELECTION) {
            throw JobException.invalid("method.preset", "method " + m + " has no presets");
        }
        try {
            // builds the data-free methods to let the engine check presets and ranges (data-driven ones check the same fields)
            create(s, () -> null);
        } catch (IllegalArgumentException e) {
            throw JobException.invalid("method", e.getMessage());
        }
    }

    /**
     * The engine method for a request.
     *
     * @param train the training split, loaded only by the data-driven methods
     */
    public static dev.sculptor.engine.prune.PruningMethod create(MethodSpec s, Supplier<ImageDataset> train) {
        String id = id(s.getMethod());
        if (DATA_DRIVEN.contains(s.getMethod())) {
            // validation passes no data: the data-driven methods check the same fields as the others
            ImageDataset data = train.get();
            return data == null ? null : PruningMethods.create(settings(s, id), () -> data);
        }
        return PruningMethods.create(settings(s, id), train);
    }

    /** The contract's settings with its defaults (ratio 0.5, lambda 1e-4; percent per method in the engine). */
    static PruningMethods.Settings settings(MethodSpec s, String id) {
        return PruningMethods.Settings.of(id, s.getPreset().isBlank() ? null : s.getPreset().trim(), s.hasRatio() ? s.getRatio() : 0.5,
                s.getRatiosMap(), Set.copyOf(s.getSkipList()), s.hasPercent() ? s.getPercent() : null,
                s.hasSparsityLambda() ? s.getSparsityLambda() : 1e-4, s.getIncludeLinear());
    }
}
