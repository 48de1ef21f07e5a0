package dev.sculptor.engine.prune;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.data.ImageDataset;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The seven methods of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019), built from plain
 * settings: the one place that knows which constructor takes which setting, for the engine's command line and
 * for the services (which map their wire types to {@link Settings}).
 */
public final class PruningMethods {
    private PruningMethods() {}

    /**
     * @param method an id: {@code l1} ({@code l1-norm}), {@code slimming} ({@code network-slimming}), {@code weight}
     *     ({@code weight-level}), {@code sss} ({@code sparse-structure-selection}), {@code sfp}
     *     ({@code soft-filter}, {@code soft-filter-pruning}), {@code thinet}, {@code regression}
     *     ({@code channel-regression})
     * @param preset a named policy of the method, or null
     * @param ratio fraction of channels removed per space (l1, sfp, thinet, regression)
     * @param percent global fraction (slimming: BN channels, default 0.5; weight: weights, default 0.8); null: default
     * @param lambda sparsity strength (slimming's BN penalty, sss's block-scale gamma)
     * @param targetDepth sss: keep at most the blocks of this depth; null: by preset or zero scales
     */
    public record Settings(String method, String preset, double ratio, Map<String, Double> ratios, Set<String> skip, Double percent,
            double lambda, boolean includeLinear, Integer targetDepth, int samples, int locations, boolean refit) {
        public Settings {
            // insertion order kept: it shows in the settings recorded in lineage
            ratios = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ratios));
            skip = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(skip));
        }

        /** The data-free methods' settings with the sampling defaults of the data-driven ones. */
        public static Settings of(String method, String preset, double ratio, Map<String, Double> ratios, Set<String> skip,
                Double percent, double lambda, boolean includeLinear) {
            return new Settings(method, preset, ratio, ratios, skip, percent, lambda, includeLinear, null,
                    SampledPruning.DEFAULT_SAMPLES, SampledPruning.DEFAULT_LOCATIONS, true);
        }
    }

    /** Whether the method samples training data while it prunes (ThiNet, channel regression). */
    public static boolean sampled(String method) {
        return switch (method.toLowerCase(Locale.ROOT)) {
            case "thinet", "regression", "channel-regression" -> true;
            default -> false;
        };
    }

    /**
     * The method; {@code train} (the training split) is asked for only by the methods that sample data.
     *
     * @throws ArchException naming the method when it is unknown, or the setting a constructor refuses
     */
    public static PruningMethod create(Settings s, Supplier<ImageDataset> train) {
        return switch (s.method().toLowerCase(Locale.ROOT)) {
            case "l1", "l1-norm" -> new L1NormPruning(s.preset(), s.ratio(), s.ratios(), s.skip());
            case "slimming", "network-slimming" -> new NetworkSlimming(s.percent() != null ? s.percent() : 0.5, s.lambda());
            case "weight", "weight-level" -> new WeightLevelPruning(s.percent() != null ? s.percent() : 0.8, s.includeLinear());
            case "sss", "sparse-structure-selection" -> new SparseStructureSelection(s.lambda(), s.preset(), s.targetDepth());
            case "sfp", "soft-filter", "soft-filter-pruning" -> new SoftFilterPruning(s.ratio(), s.ratios(), s.skip());
            case "thinet" -> new ThiNetPruning(train.get(), s.preset(), s.ratio(), s.ratios(), s.skip(), s.samples(), s.locations(),
                    s.refit(), 1);
            case "regression", "channel-regression" -> new ChannelRegressionPruning(train.get(), s.ratio(), s.ratios(), s.skip(),
                    s.samples(), s.locations(), s.refit(), 1);
            default -> throw new ArchException("unknown method '" + s.method()
                    + "' (available: l1, slimming, weight, sss, sfp, thinet, regression)");
        };
    }
}
