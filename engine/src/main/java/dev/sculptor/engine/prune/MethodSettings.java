package dev.sculptor.engine.prune;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The settings of any of the methods, as plain values: what the command line or a service request gives, before
 * {@link MethodDef#create} hands each method the ones it takes.
 *
 * @param preset a named policy of the method ({@link MethodDef#presets()}), or null
 * @param ratio fraction of channels removed per space (l1, sfp, thinet, regression)
 * @param ratios per-space ratios overriding {@code ratio}
 * @param skip spaces left alone
 * @param percent global fraction (slimming: BN channels; weight: weights); null: {@link MethodDef#defaultPercent()}
 * @param lambda sparsity strength (slimming's BN penalty, sss's block-scale gamma)
 * @param includeLinear weight-level: also mask linear layers
 * @param targetDepth sss: keep at most the blocks of this depth; null: by preset or zero scales
 * @param samples thinet, regression: training images sampled
 * @param locations thinet, regression: random output locations per image
 * @param refit thinet, regression: refit the next layer by least squares
 */
public record MethodSettings(String preset, double ratio, Map<String, Double> ratios, Set<String> skip, Double percent,
        double lambda, boolean includeLinear, Integer targetDepth, int samples, int locations, boolean refit) {
    public MethodSettings {
        // insertion order kept: it shows in the settings recorded in lineage
        ratios = Collections.unmodifiableMap(new LinkedHashMap<>(ratios));
        skip = Collections.unmodifiableSet(new LinkedHashSet<>(skip));
    }

    /**
     * The contract's settings ({@code MethodSpec}): unset values are null and take the contract's defaults
     * ({@link MethodDef#DEFAULT_RATIO}, {@link MethodDef#DEFAULT_LAMBDA}, the method's percent), a blank preset is
     * none, and the data-driven methods sample with their defaults and refit.
     */
    public static MethodSettings ofContract(String preset, Double ratio, Map<String, Double> ratios, Collection<String> skip,
            Double percent, Double lambda, boolean includeLinear) {
        return new MethodSettings(preset == null || preset.isBlank() ? null : preset.trim(),
                ratio != null ? ratio : MethodDef.DEFAULT_RATIO, ratios, new LinkedHashSet<>(skip), percent,
                lambda != null ? lambda : MethodDef.DEFAULT_LAMBDA, includeLinear, null, SampledPruning.DEFAULT_SAMPLES,
                SampledPruning.DEFAULT_LOCATIONS, true);
    }

    /**
     * {@link #ofContract(String, Double, Map, Collection, Double, Double, boolean)} for {@code def} on a network of
     * {@code arch}: an unset lambda is the method's default for that architecture ({@link MethodDef#defaultLambda}:
     * slimming's follows the family, 1e-5 for PreResNet and DenseNet), so the services default as the engine does.
     *
     * @param arch the network the method will prune; null where it is not known (then {@link MethodDef#DEFAULT_LAMBDA})
     */
    public static MethodSettings ofContract(MethodDef def, dev.sculptor.engine.arch.ArchSpec arch, String preset,
            Double ratio, Map<String, Double> ratios, Collection<String> skip, Double percent, Double lambda,
            boolean includeLinear) {
        return ofContract(preset, ratio, ratios, skip, percent, lambda != null ? lambda : def.defaultLambda(arch),
                includeLinear);
    }

    public MethodSettings withPercent(Double p) {
        return new MethodSettings(preset, ratio, ratios, skip, p, lambda, includeLinear, targetDepth, samples, locations, refit);
    }
}
