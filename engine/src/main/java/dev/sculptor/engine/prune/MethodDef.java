package dev.sculptor.engine.prune;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.data.ImageDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The registry of the seven methods of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019): each
 * method declared once, with every name it goes by, what it needs and how it decides. The services, both command
 * lines and lineage take their ids, words and defaults from here.
 *
 * <p>The constants are named like the contract's {@code PruningMethod} enum, so a service maps a wire value with
 * {@code MethodDef.byName(value.name())}.
 */
public enum MethodDef {
    L1_NORM("l1-norm", List.of("l1"), "Li, Kadav, Durdanovic, Samet, Graf, \"Pruning Filters for Efficient ConvNets\", ICLR 2017",
            Amount.RATIO, null, L1NormPruning.PRESETS, Criterion.L1_FILTER_NORM,
            (s, data) -> new L1NormPruning(s.preset(), s.ratio(), s.ratios(), s.skip())),
    THINET("thinet", List.of("thinet"), "Luo, Wu, Lin, \"ThiNet: A Filter Level Pruning Method for Deep Neural Network "
            + "Compression\", ICCV 2017", Amount.RATIO, null, ThiNetPruning.PRESETS, Criterion.SAMPLED,
            (s, data) -> new ThiNetPruning(data.get(), s.preset(), s.ratio(), s.ratios(), s.skip(), s.samples(), s.locations(),
                    s.refit(), 1)),
    REGRESSION("channel-regression", List.of("regression"), "He, Zhang, Sun, \"Channel Pruning for Accelerating Very Deep "
            + "Neural Networks\", ICCV 2017", Amount.RATIO, null, List.of(), Criterion.SAMPLED,
            (s, data) -> new ChannelRegressionPruning(data.get(), s.ratio(), s.ratios(), s.skip(), s.samples(), s.locations(),
                    s.refit(), 1)),
    NETWORK_SLIMMING("network-slimming", List.of("slimming"), "Liu, Li, Shen, Huang, Yan, Zhang, \"Learning Efficient "
            + "Convolutional Networks through Network Slimming\", ICCV 2017", Amount.PERCENT, 0.5, List.of(), Criterion.BN_SCALE,
            (s, data) -> new NetworkSlimming(s.percent(), s.lambda())),
    SPARSE_STRUCTURE_SELECTION("sparse-structure-selection", List.of("sss"), "Huang, Wang, \"Data-Driven Sparse Structure "
            + "Selection for Deep Neural Networks\", ECCV 2018", Amount.PERCENT, null, SparseStructureSelection.PRESETS,
            Criterion.BLOCK_SCALE, (s, data) -> new SparseStructureSelection(s.lambda(), s.preset(), s.targetDepth())),
    SOFT_FILTER_PRUNING("soft-filter-pruning", List.of("sfp", "soft-filter"), "He, Kang, Dong, Fu, Yang, \"Soft Filter Pruning "
            + "for Accelerating Deep Convolutional Neural Networks\", IJCAI 2018", Amount.RATIO, null, List.of(),
            Criterion.L2_FILTER_NORM, (s, data) -> new SoftFilterPruning(s.ratio(), s.ratios(), s.skip())),
    WEIGHT_LEVEL("weight-level", List.of("weight"), "Han, Pool, Tran, Dally, \"Learning both Weights and Connections for "
            + "Efficient Neural Networks\", NeurIPS 2015", Amount.PERCENT, 0.8, List.of(), Criterion.WEIGHT_MAGNITUDE,
            (s, data) -> new WeightLevelPruning(s.percent(), s.includeLinear()));

    /** The contract's fraction of channels removed per space when a request gives none. */
    public static final double DEFAULT_RATIO = 0.5;
    /**
     * The contract's sparsity strength (slimming's BN penalty, sss's block-scale gamma) when a request gives none and
     * the architecture is not known; where it is, slimming takes {@link #defaultLambda(ArchSpec)}.
     */
    public static final double DEFAULT_LAMBDA = 1e-4;

    /** Which setting holds a method's global amount, in the contract ({@code MethodSpec}) and on the command lines. */
    public enum Amount {
        /** {@code ratio}: the fraction removed from every prunable channel space. */
        RATIO,
        /** {@code percent}: one global fraction (of BatchNorm channels, residual blocks or weights). */
        PERCENT
    }

    /** What a method removes, hence what its {@link PrunePlan} holds and how the plan is applied. */
    public enum Granularity {
        /** Channels of channel spaces: kept positions per space, applied by {@link StructuredPruner#shrink}. */
        CHANNELS,
        /** Residual blocks: the network becomes shallower. */
        BLOCKS,
        /** Single weights: held at zero by masks; the architecture stays. */
        WEIGHTS
    }

    /** How a method judges importance, and whether that can be computed ahead of pruning. */
    public enum Criterion {
        /** Sum of absolute filter weights per channel ({@link Importances#l1FilterNorm()}). */
        L1_FILTER_NORM(Granularity.CHANNELS, true),
        /** |BatchNorm scale| gating each channel ({@link Importances#bnScale()}). */
        BN_SCALE(Granularity.CHANNELS, true),
        /** L2 norm of each channel's filters ({@link SoftFilterPruning#l2FilterNorm()}). */
        L2_FILTER_NORM(Granularity.CHANNELS, true),
        /** The trained residual-block scales. */
        BLOCK_SCALE(Granularity.BLOCKS, true),
        /** Weight magnitudes against one global threshold. */
        WEIGHT_MAGNITUDE(Granularity.WEIGHTS, true),
        /**
         * Channels chosen greedily from activations sampled from training data, layer by layer on the partly
         * pruned network: no per-channel importance exists before the pruning runs.
         */
        SAMPLED(Granularity.CHANNELS, false);

        private final Granularity granularity;
        private final boolean ahead;

        Criterion(Granularity granularity, boolean ahead) {
            this.granularity = granularity;
            this.ahead = ahead;
        }
    }

    private final String id;
    private final List<String> aliases;
    private final String paper;
    private final Amount amount;
    private final Double defaultPercent;
    private final List<String> presets;
    private final Criterion criterion;
    private final BiFunction<MethodSettings, Supplier<ImageDataset>, PruningMethod> factory;

    MethodDef(String id, List<String> aliases, String paper, Amount amount, Double defaultPercent, List<String> presets,
            Criterion criterion, BiFunction<MethodSettings, Supplier<ImageDataset>, PruningMethod> factory) {
        this.id = id;
        this.aliases = List.copyOf(aliases);
        this.paper = paper;
        this.amount = amount;
        this.defaultPercent = defaultPercent;
        this.presets = List.copyOf(presets);
        this.criterion = criterion;
        this.factory = factory;
    }

    /** The canonical id, recorded in lineage by the services, e.g. {@code l1-norm}. */
    public String id() {
        return id;
    }

    /** The word people type and the engine reports ({@code PruneResult.method()}), e.g. {@code l1}. */
    public String word() {
        return aliases.get(0);
    }

    /** The other names accepted for this method: the word first, then older spellings (not the id nor the enum name). */
    public List<String> aliases() {
        return aliases;
    }

    /** Every name {@link #byName} accepts for this method: the word, the id, the other aliases, the contract's enum name. */
    public List<String> names() {
        List<String> out = new ArrayList<>(aliases);
        out.add(1, id);
        out.add(name());
        return out.stream().distinct().toList();
    }

    /** The method's paper (authors, title, venue). */
    public String paper() {
        return paper;
    }

    /** Whether the method samples training data while it prunes (ThiNet, channel regression). */
    public boolean needsData() {
        return criterion == Criterion.SAMPLED;
    }

    public Amount amount() {
        return amount;
    }

    /**
     * Whether the engine takes a {@code percent} for this method. Sparse Structure Selection's amount is a percent in
     * the contract, but the engine removes the blocks whose trained scales are zero, or keeps a preset depth.
     */
    public boolean takesPercent() {
        return defaultPercent != null;
    }

    /** The percent when none is given (slimming 0.5, weight-level 0.8); null for the methods that take none. */
    public Double defaultPercent() {
        return defaultPercent;
    }

    /**
     * The sparsity strength for a network of {@code arch} when none is given: Network Slimming's follows the family as
     * in its reference implementation ({@link NetworkSlimming#defaultLambda}: 1e-4 for VGG and ResNet, 1e-5 for
     * PreResNet and DenseNet); {@link #DEFAULT_LAMBDA} for the other methods or when {@code arch} is null.
     */
    public double defaultLambda(ArchSpec arch) {
        return this == NETWORK_SLIMMING && arch != null ? NetworkSlimming.defaultLambda(arch.family()) : DEFAULT_LAMBDA;
    }

    /** The named policies from the literature the method accepts; empty when it has none. */
    public List<String> presets() {
        return presets;
    }

    public Criterion criterion() {
        return criterion;
    }

    public Granularity granularity() {
        return criterion.granularity;
    }

    /** Whether the scoring service computes the method's importance ahead of pruning (all but the sampled methods). */
    public boolean scoredAhead() {
        return criterion.ahead;
    }

    /**
     * The method with these settings; {@code train} (the training split) is asked for only by the methods that need
     * data.
     *
     * @throws ArchException naming the setting a constructor refuses
     */
    public PruningMethod create(MethodSettings settings, Supplier<ImageDataset> train) {
        return factory.apply(settings.percent() == null && defaultPercent != null ? settings.withPercent(defaultPercent) : settings,
                train);
    }

    /** The method called {@code name} (any of {@link #names()}, any case), if there is one. */
    public static Optional<MethodDef> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String k = name.trim().toLowerCase(Locale.ROOT);
        return Stream.of(values()).filter(d -> d.names().stream().anyMatch(n -> n.toLowerCase(Locale.ROOT).equals(k)))
                .findFirst();
    }

    /**
     * The method called {@code name}.
     *
     * @throws ArchException naming it and listing the {@link #words()} when there is none
     */
    public static MethodDef byName(String name) {
        return find(name).orElseThrow(() -> new ArchException("unknown method '" + name + "' (available: " + words() + ")"));
    }

    /** The words of all methods, in the contract's order: {@code l1, thinet, regression, slimming, sss, sfp, weight}. */
    public static String words() {
        return Stream.of(values()).map(MethodDef::word).collect(Collectors.joining(", "));
    }
}
