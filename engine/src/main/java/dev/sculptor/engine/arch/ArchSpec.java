package dev.sculptor.engine.arch;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A network as data: family, per-layer widths, classes and input shape. Structured pruning
 * produces a new, narrower {@code ArchSpec}, so the architecture itself is the product.
 *
 * <p>Which fields apply depends on the family:
 *
 * <ul>
 *   <li>{@code vgg}: {@code convWidths} (3x3 convs, each with BatchNorm and ReLU), {@code
 *       poolAfter} (indices of convs followed by a 2x2 max-pool), global average pooling, then a
 *       classifier with {@code hidden} widths (Linear, BatchNorm, ReLU) and a final Linear.
 *   <li>{@code lenet}: like vgg but 5x5 convs and the classifier reads the flattened feature map.
 *   <li>{@code resnet}: CIFAR ResNet (He et al. 2016) of depth 6n+2; {@code stageWidths} are the
 *       residual stream widths, {@code blocks} holds each basic block's inner width {@code [w]};
 *       shortcuts are parameter-free (average-pool subsample plus zero channel padding).
 *   <li>{@code preresnet}: pre-activation ResNet with bottlenecks (depth 9n+2), {@code stem} is the
 *       first conv's width, {@code stageWidths} the stream widths (4x the planes), {@code blocks}
 *       holds {@code [mid1, mid2]} per block and {@code selections} the stream channels each
 *       block's first conv reads (one list per block, then one for the classifier; null = all).
 * </ul>
 *
 * <p>Residual families may hold a different number of blocks per stage ({@code stageBlocks}, null
 * = equal), which is what Sparse Structure Selection produces, and may carry a learnable scale on
 * each removable block's residual branch ({@code blockScales}).
 *
 * @param family one of vgg, lenet, resnet, preresnet
 * @param name a display name, e.g. {@code vgg16} or {@code vgg16-a}
 * @param inputShape {@code [C, H, W]}
 * @param numClasses number of output classes
 */
public record ArchSpec(
        String family,
        String name,
        List<Integer> inputShape,
        int numClasses,
        List<Integer> convWidths,
        List<Integer> poolAfter,
        List<Integer> hidden,
        Integer stem,
        List<Integer> stageWidths,
        List<List<Integer>> blocks,
        List<List<Integer>> selections,
        List<Integer> stageBlocks,
        Boolean blockScales) {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    public ArchSpec {
        inputShape = copy(inputShape);
        convWidths = copy(convWidths);
        poolAfter = copy(poolAfter);
        hidden = copy(hidden);
        stageWidths = copy(stageWidths);
        blocks = copyNested(blocks);
        selections = copyNested(selections);
        stageBlocks = copy(stageBlocks);
    }

    /** A spec with equal stages and no block scales (every standard architecture). */
    public ArchSpec(String family, String name, List<Integer> inputShape, int numClasses, List<Integer> convWidths,
            List<Integer> poolAfter, List<Integer> hidden, Integer stem, List<Integer> stageWidths,
            List<List<Integer>> blocks, List<List<Integer>> selections) {
        this(family, name, inputShape, numClasses, convWidths, poolAfter, hidden, stem, stageWidths, blocks, selections,
                null, null);
    }

    public int channels() {
        return inputShape.get(0);
    }

    public int height() {
        return inputShape.get(1);
    }

    public int width() {
        return inputShape.get(2);
    }

    /** Blocks per stage for residual families with equal stages (the standard ones). */
    public int blocksPerStage() {
        if (stageBlocks != null && stageBlocks.stream().distinct().count() > 1) {
            throw new ArchException("arch " + name + " has unequal stages " + stageBlocks);
        }
        return blocks.size() / stageWidths.size();
    }

    /** Number of blocks in stage s (0-based). */
    public int blocksInStage(int s) {
        return stageBlocks != null ? stageBlocks.get(s) : blocks.size() / stageWidths.size();
    }

    /** The stage (0-based) of block i. */
    public int stageOf(int block) {
        int first = 0;
        for (int s = 0; s < stageWidths.size(); s++) {
            first += blocksInStage(s);
            if (block < first) {
                return s;
            }
        }
        throw new ArchException("arch " + name + " has no block " + block);
    }

    /** Position of block i within its stage. */
    public int indexInStage(int block) {
        int first = 0;
        for (int s = 0; s < stageOf(block); s++) {
            first += blocksInStage(s);
        }
        return block - first;
    }

    /**
     * The first block of a stage changes width or resolution: removing it keeps its shortcut (see
     * {@link #branchless}), later blocks go entirely.
     */
    public boolean firstInStage(int block) {
        return indexInStage(block) == 0;
    }

    /**
     * Whether block i is only its shortcut (an empty width list): Sparse Structure Selection removed the residual
     * branch of a stage's first block, and the shortcut (option A's subsample and zero channels for resnet, the
     * projection conv for preresnet) still changes width and resolution.
     */
    public boolean branchless(int block) {
        return blocks.get(block).isEmpty();
    }

    private int branches() {
        return (int) blocks.stream().filter(b -> !b.isEmpty()).count();
    }

    public boolean scaled() {
        return Boolean.TRUE.equals(blockScales);
    }

    /** Depth in the usual counting (conv and linear layers on the longest path). */
    public int depth() {
        return switch (family) {
            // a branchless block adds its projection conv (preresnet) or nothing (resnet's parameter-free shortcut)
            case "resnet" -> 2 * branches() + 2;
            case "preresnet" -> 3 * branches() + (blocks.size() - branches()) + 2;
            default -> convWidths.size() + hidden.size() + 1;
        };
    }

    public ArchSpec withName(String newName) {
        return new ArchSpec(family, newName, inputShape, numClasses, convWidths, poolAfter, hidden,
                stem, stageWidths, blocks, selections, stageBlocks, blockScales);
    }

    public ArchSpec withConvWidths(List<Integer> widths) {
        return new ArchSpec(family, name, inputShape, numClasses, widths, poolAfter, hidden,
                stem, stageWidths, blocks, selections, stageBlocks, blockScales);
    }

    public ArchSpec withHidden(List<Integer> widths) {
        return new ArchSpec(family, name, inputShape, numClasses, convWidths, poolAfter, widths,
                stem, stageWidths, blocks, selections, stageBlocks, blockScales);
    }

    public ArchSpec withBlocks(List<List<Integer>> newBlocks, List<List<Integer>> newSelections) {
        return new ArchSpec(family, name, inputShape, numClasses, convWidths, poolAfter, hidden,
                stem, stageWidths, newBlocks, newSelections, stageBlocks, blockScales);
    }

    /** Fewer blocks: the block list, the selections and the per-stage counts change together. */
    public ArchSpec withStages(List<List<Integer>> newBlocks, List<List<Integer>> newSelections, List<Integer> newStageBlocks) {
        return new ArchSpec(family, name, inputShape, numClasses, convWidths, poolAfter, hidden,
                stem, stageWidths, newBlocks, newSelections, newStageBlocks, blockScales);
    }

    public ArchSpec withBlockScales(boolean on) {
        return new ArchSpec(family, name, inputShape, numClasses, convWidths, poolAfter, hidden,
                stem, stageWidths, blocks, selections, stageBlocks, on ? Boolean.TRUE : null);
    }

    public String toJson() {
        return GSON.toJson(this);
    }

    public JsonElement toJsonTree() {
        return GSON.toJsonTree(this);
    }

    /** Parses and validates; a bad spec is an {@link ArchException} naming what is wrong. */
    public static ArchSpec fromJson(String json) {
        ArchSpec spec;
        try {
            spec = GSON.fromJson(json, ArchSpec.class);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new ArchException("arch JSON does not parse: " + e.getMessage());
        }
        if (spec == null) {
            throw new ArchException("arch JSON is empty");
        }
        spec.validate();
        return spec;
    }

    public static ArchSpec fromJson(JsonElement json) {
        return fromJson(GSON.toJson(json));
    }

    /** Checks every field the family uses; returns this for chaining. */
    public ArchSpec validate() {
        if (family == null) {
            throw new ArchException("arch: family is missing (one of vgg, lenet, resnet, preresnet)");
        }
        if (inputShape == null || inputShape.size() != 3 || inputShape.stream().anyMatch(d -> d == null || d <= 0)) {
            throw new ArchException("arch: inputShape must be [C, H, W] with positive sizes, got " + inputShape);
        }
        if (numClasses < 2) {
            throw new ArchException("arch: numClasses must be at least 2, got " + numClasses);
        }
        switch (family) {
            case "vgg", "lenet" -> {
                requirePositive("convWidths", convWidths, true);
                requirePositive("hidden", hidden, false);
                if (poolAfter == null) {
                    throw new ArchException("arch: poolAfter is missing");
                }
                int h = height();
                int w = width();
                for (int i = 0; i < convWidths.size(); i++) {
                    if (poolAfter.contains(i)) {
                        h /= 2;
                        w /= 2;
                        if (h < 1 || w < 1) {
                            throw new ArchException("arch: input " + inputShape + " is too small for "
                                    + poolAfter.size() + " poolings (feature map vanishes after conv " + i + ")");
                        }
                    }
                }
                for (int p : poolAfter) {
                    if (p < 0 || p >= convWidths.size()) {
                        throw new ArchException("arch: poolAfter index " + p + " is not a conv index 0.." + (convWidths.size() - 1));
                    }
                }
            }
            case "resnet", "preresnet" -> {
                requirePositive("stageWidths", stageWidths, true);
                if (stageBlocks != null) {
                    if (stageBlocks.size() != stageWidths.size() || stageBlocks.stream().anyMatch(n -> n == null || n < 1)
                            || blocks == null || stageBlocks.stream().mapToInt(Integer::intValue).sum() != blocks.size()) {
                        throw new ArchException("arch: stageBlocks must give a positive block count for each of the "
                                + stageWidths.size() + " stages, summing to the " + (blocks == null ? 0 : blocks.size())
                                + " blocks, got " + stageBlocks);
                    }
                } else if (blocks == null || blocks.isEmpty() || blocks.size() % stageWidths.size() != 0) {
                    throw new ArchException("arch: blocks must hold the same number of blocks for each of the "
                            + stageWidths.size() + " stages, got " + (blocks == null ? null : blocks.size()));
                }
                int per = family.equals("resnet") ? 1 : 2;
                for (int i = 0; i < blocks.size(); i++) {
                    List<Integer> b = blocks.get(i);
                    if (b != null && b.isEmpty()) {
                        // Sparse Structure Selection removed this block's residual branch; its shortcut stays
                        if (!firstInStage(i)) {
                            throw new ArchException("arch: block " + i + " has no residual branch, which only the first "
                                    + "block of a stage may have (its shortcut changes width or resolution); a later "
                                    + "block without a branch is an identity: leave it out");
                        }
                        boolean reads = selections != null && i < selections.size() && selections.get(i) != null;
                        if (family.equals("preresnet") && reads) {
                            throw new ArchException("arch: block " + i + " has no residual branch, so it reads no "
                                    + "selection, got " + selections.get(i));
                        }
                        continue;
                    }
                    if (b == null || b.size() != per || b.stream().anyMatch(x -> x == null || x < 1)) {
                        throw new ArchException("arch: block " + i + " must list " + per + " positive width(s), got " + b);
                    }
                }
                for (int s = 1; s < stageWidths.size(); s++) {
                    if (family.equals("resnet") && stageWidths.get(s) < stageWidths.get(s - 1)) {
                        throw new ArchException("arch: zero-padding shortcuts need non-decreasing stageWidths, got " + stageWidths);
                    }
                }
                int size = 1 << (stageWidths.size() - 1);
                if (height() < size || width() < size) {
                    throw new ArchException("arch: input " + inputShape + " is too small for " + stageWidths.size() + " stages");
                }
                if (family.equals("preresnet")) {
                    if (stem == null || stem < 1) {
                        throw new ArchException("arch: preresnet needs a positive stem width, got " + stem);
                    }
                    validateSelections();
                }
            }
            default -> throw new ArchException("arch: unknown family '" + family
                    + "' (known: vgg, lenet, resnet, preresnet)");
        }
        if ((scaled() || stageBlocks != null) && !family.equals("resnet") && !family.equals("preresnet")) {
            throw new ArchException("arch: blockScales and stageBlocks apply to resnet and preresnet only");
        }
        return this;
    }

    private void validateSelections() {
        if (selections == null) {
            return;
        }
        if (selections.size() != blocks.size() + 1) {
            throw new ArchException("arch: selections must have one entry per block plus one for the classifier ("
                    + (blocks.size() + 1) + "), got " + selections.size());
        }
        for (int i = 0; i <= blocks.size(); i++) {
            List<Integer> sel = selections.get(i);
            if (sel == null) {
                continue;
            }
            int streamWidth = preresnetInputWidth(i);
            if (sel.isEmpty()) {
                throw new ArchException("arch: selection " + i + " is empty");
            }
            int prev = -1;
            for (int c : sel) {
                if (c <= prev || c >= streamWidth) {
                    throw new ArchException("arch: selection " + i + " must be increasing channel indices below "
                            + streamWidth + ", got " + sel);
                }
                prev = c;
            }
        }
    }

    /** Width of the stream entering preresnet block i (i == blocks.size() means the classifier). */
    public int preresnetInputWidth(int block) {
        if (block == 0) {
            return stem;
        }
        return stageWidths.get(stageOf(block - 1));
    }

    /** The channels block i reads (all of them when no selection was recorded). */
    public List<Integer> selection(int block) {
        if (selections != null && selections.get(block) != null) {
            return selections.get(block);
        }
        List<Integer> all = new ArrayList<>();
        for (int c = 0; c < preresnetInputWidth(block); c++) {
            all.add(c);
        }
        return all;
    }

    private static void requirePositive(String field, List<Integer> values, boolean nonEmpty) {
        if (values == null || (nonEmpty && values.isEmpty())) {
            throw new ArchException("arch: " + field + " is missing or empty");
        }
        for (int i = 0; i < values.size(); i++) {
            Integer v = values.get(i);
            if (v == null || v < 1) {
                throw new ArchException("arch: " + field + "[" + i + "] must be a positive width, got " + v);
            }
        }
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? null : List.copyOf(list);
    }

    private static List<List<Integer>> copyNested(List<List<Integer>> list) {
        if (list == null) {
            return null;
        }
        List<List<Integer>> out = new ArrayList<>();
        for (List<Integer> l : list) {
            out.add(l == null ? null : List.copyOf(l));
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
