package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.train.TrainingHook;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sparse Structure Selection (Huang and Wang, "Data-Driven Sparse Structure Selection for Deep
 * Neural Networks", ECCV 2018): a learnable scale multiplies each residual block's branch; training
 * adds a sparsity penalty {@code gamma * |scale|} and optimises the scales with the paper's
 * Accelerated Proximal Gradient (the other weights keep SGD): a look-ahead
 * {@code z = s_{t-1} + mu (s_{t-1} - s_{t-2})}, the gradient taken at {@code z}, then the soft-threshold
 * {@code s_t = sign(u) max(|u| - lr * gamma, 0)} of {@code u = z - lr * grad}, which puts whole blocks at exactly
 * zero. Blocks whose scale is zero are then removed: a later block entirely, a stage's first block down to its
 * shortcut (which still changes width and resolution), so the network becomes shallower and computes what the
 * trained one did. Kept scales are folded into the branch's last layer, so the result is a plain ResNet.
 *
 * <p>That is {@link Selection#ZERO}, the paper's selection. A target depth (or preset) instead ranks the blocks by
 * {@code |scale|} and removes the smallest until the depth is reached: another method, named
 * {@code sss-magnitude} wherever it shows, so that a table never calls it SSS.
 */
public final class SparseStructureSelection implements PruningMethod {
    /** Target depths in the spirit of the paper's ResNet-50 to ResNet-41/32/26 results. */
    public static final List<String> PRESETS = List.of("resnet-41", "resnet-32", "resnet-26");
    /** The APG momentum: the paper fixes it to a constant, the SGD momentum of its experiments. */
    public static final double APG_MOMENTUM = 0.9;

    /** Which blocks go. */
    public enum Selection {
        /** Huang and Wang's: exactly the blocks whose scale reached zero. */
        ZERO,
        /** Not the paper's: the smallest {@code |scale|} until a target depth. */
        MAGNITUDE;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final double gamma;
    private final Integer targetDepth;
    private final String preset;
    private final Selection selection;

    /**
     * @param gamma sparsity strength on the block scales
     * @param preset one of {@link #PRESETS} (a target depth, so magnitude selection), or null
     * @param targetDepth keep at most the blocks that give this depth, ranked by magnitude (null: the paper's
     *     selection, only zero scales go)
     */
    public SparseStructureSelection(double gamma, String preset, Integer targetDepth) {
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new ArchException("sss gamma must be >= 0, got " + gamma);
        }
        if (preset != null && !PRESETS.contains(preset)) {
            throw new ArchException("unknown sss preset '" + preset + "' (known: " + String.join(", ", PRESETS) + ")");
        }
        if (targetDepth != null && targetDepth < 4) {
            throw new ArchException("sss target depth must be at least 4, got " + targetDepth);
        }
        this.gamma = gamma;
        this.preset = preset;
        this.targetDepth = preset != null ? Integer.valueOf(preset.substring("resnet-".length())) : targetDepth;
        this.selection = this.targetDepth != null ? Selection.MAGNITUDE : Selection.ZERO;
    }

    @Override
    public MethodDef def() {
        return MethodDef.SPARSE_STRUCTURE_SELECTION;
    }

    public Selection selection() {
        return selection;
    }

    /** {@code sss} for the paper's selection, {@code sss-magnitude} for ranking by magnitude. */
    @Override
    public String name() {
        return selection == Selection.ZERO ? def().word() : def().word() + "-magnitude";
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("gamma", gamma);
        o.addProperty("selection", selection.word());
        if (preset != null) {
            o.addProperty("preset", preset);
        }
        if (targetDepth != null) {
            o.addProperty("targetDepth", targetDepth);
        }
        return o;
    }

    /** Only gamma shapes the sparsity training; the selection and depth decide the cut afterwards. */
    @Override
    public JsonObject baselineSettings() {
        JsonObject o = new JsonObject();
        o.addProperty("gamma", gamma);
        return o;
    }

    @Override
    public ArchSpec prepare(ArchSpec spec) {
        requireResidual(spec);
        return spec.withBlockScales(true);
    }

    private static void requireResidual(ArchSpec spec) {
        if (!spec.family().equals("resnet") && !spec.family().equals("preresnet")) {
            throw new ArchException("sparse structure selection removes residual blocks: it needs a resnet or preresnet, got "
                    + spec.family());
        }
    }

    @Override
    public List<TrainingHook> baselineHooks() {
        return List.of(apgHook(gamma, APG_MOMENTUM));
    }

    /** The look-ahead point of APG, where the next gradient is taken: {@code s + mu * v}. */
    static float lookAhead(float scale, float velocity, double mu) {
        return (float) (scale + mu * velocity);
    }

    /** APG's proximal step from the look-ahead {@code z} with the gradient there: soft-threshold by {@code lr * gamma}. */
    static float proximal(float z, float gradAtZ, double lr, double gamma) {
        float u = (float) (z - lr * gradAtZ);
        float t = (float) (lr * gamma);
        return Math.abs(u) <= t ? 0f : Math.signum(u) * (Math.abs(u) - t);
    }

    /**
     * The APG update of every block scale. The scales rest at {@code s_t} between steps (so checkpoints and the
     * plan see exact zeros); before each forward they move to the look-ahead, after the optimiser step they are set to
     * the proximal point, overriding whatever SGD did to them (no momentum buffer and no weight decay of SGD's
     * reaches them: the l1 term is their only regulariser). The velocity {@code s_t - s_{t-1}} is saved with the
     * optimiser state, so a resumed run continues exactly.
     */
    public static TrainingHook apgHook(double gamma, double mu) {
        if (!(gamma >= 0) || !(mu >= 0 && mu < 1)) {
            throw new ArchException("sss APG needs gamma >= 0 and momentum in [0, 1), got " + gamma + ", " + mu);
        }
        return new TrainingHook() {
            private final Map<String, Float> velocity = new LinkedHashMap<>();
            private final Map<String, Float> rest = new LinkedHashMap<>();
            private final Map<String, Float> at = new LinkedHashMap<>();
            private final Map<String, Float> grad = new LinkedHashMap<>();

            @Override
            public void beforeTraining(Network net) {
                velocity.clear();
            }

            @Override
            public void beforeForward(Network net) {
                for (String name : scaleTensors(net)) {
                    NDArray s = net.array(name);
                    float lambda = s.getFloat(0);
                    float z = lookAhead(lambda, velocity.getOrDefault(name, 0f), mu);
                    rest.put(name, lambda);
                    at.put(name, z);
                    s.set(new float[] {z});
                }
            }

            @Override
            public void afterBackward(Network net) {
                for (String name : scaleTensors(net)) {
                    try (NDArray g = net.array(name).getGradient()) {
                        grad.put(name, g.getFloat(0));
                    }
                }
            }

            @Override
            public void afterStep(Network net, double lr) {
                for (String name : scaleTensors(net)) {
                    if (!at.containsKey(name)) {
                        throw new IllegalStateException("sss APG: no look-ahead for " + name + " (beforeForward not called)");
                    }
                    float next = proximal(at.get(name), grad.get(name), lr, gamma);
                    velocity.put(name, next - rest.get(name));
                    net.array(name).set(new float[] {next});
                }
                at.clear();
                grad.clear();
                rest.clear();
            }

            @Override
            public List<Tensor> exportState() {
                List<Tensor> out = new ArrayList<>();
                velocity.forEach((k, v) -> out.add(new Tensor(k, new long[] {1}, new float[] {v})));
                return out;
            }

            @Override
            public void importState(List<Tensor> state) {
                velocity.clear();
                for (Tensor t : state) {
                    if (t.data().length != 1) {
                        throw new IllegalStateException("sss APG state for " + t.name() + " must hold one velocity, got "
                                + t.data().length + " values");
                    }
                    velocity.put(t.name(), t.data()[0]);
                }
            }
        };
    }

    static List<String> scaleTensors(Network net) {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < net.spec().blocks().size(); b++) {
            if (net.graph().hasScale(b)) {
                out.add(net.graph().blockName(b) + ".residual.scale");
            }
        }
        return out;
    }

    /** Blocks with a branch for a depth: a basic block holds 2 convs, a bottleneck 3. */
    static int blocksForDepth(ArchSpec spec, int depth) {
        return Math.max(1, (depth - 2) / (spec.family().equals("resnet") ? 2 : 3));
    }

    /** The plan's (and the pruned checkpoint's lineage) settings key of each scaled block's trained scale, signed. */
    public static final String BLOCK_SCALES = "blockScales";

    /** The note a plan carries when the paper's selection finds no zero scale. */
    static final String NOTHING_REMOVED = "no block scale reached zero, so sparse structure selection removes no block "
            + "(train longer or with a larger gamma; a target depth ranks by magnitude instead, sss-magnitude)";

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        ArchSpec spec = trained.spec();
        // the family first: a lenet or vgg is told what it lacks, not to train block scales it cannot have
        requireResidual(spec);
        if (!spec.scaled()) {
            throw new ArchException("sparse structure selection needs a network trained with block scales (arch "
                    + spec.name() + " has none): train it with this method's baseline");
        }
        LayerGraph g = trained.graph();
        int n = spec.blocks().size();
        float[] scale = new float[n];
        List<Integer> removable = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (g.hasScale(b)) {
                scale[b] = trained.array(g.blockName(b) + ".residual.scale").getFloat(0);
                removable.add(b);
            }
        }
        boolean[] remove = new boolean[n];
        if (selection == Selection.ZERO) {
            for (int b : removable) {
                remove[b] = scale[b] == 0f; // exactly zero: the proximal step put it there
            }
        } else {
            int keepBlocks = blocksForDepth(spec, targetDepth);
            List<Integer> ranked = new ArrayList<>(removable);
            ranked.sort(Comparator.comparingDouble(b -> Math.abs(scale[b])));
            for (int i = 0; i < ranked.size() - keepBlocks; i++) {
                remove[ranked.get(i)] = true;
            }
        }
        List<PrunePlan.Block> blocks = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (int b : removable) {
            blocks.add(new PrunePlan.Block(g.blockName(b), scale[b], remove[b]));
            if (remove[b]) {
                removed.add(g.blockName(b));
            }
        }
        JsonObject settings = settings();
        settings.add("removedBlocks", new com.google.gson.Gson().toJsonTree(removed));
        // what the selection saw, so that a reader of the lineage (prune --json, the report) can tell "no scale reached
        // zero" from "the scales never moved"
        JsonObject scales = new JsonObject();
        for (int b : removable) {
            // as the float's shortest decimal, so that the settings read back from JSON are equal to these
            scales.addProperty(g.blockName(b), Double.parseDouble(Float.toString(scale[b])));
        }
        settings.add(BLOCK_SCALES, scales);
        if (removed.isEmpty() && selection == Selection.ZERO) {
            settings.addProperty("note", NOTHING_REMOVED);
        }
        String tag = selection == Selection.ZERO ? "-sss" : "-sss-magnitude";
        return new PrunePlan(def().id(), spec.name(), spec.name() + tag + (removed.isEmpty() ? "" : "-" + removed.size()),
                settings, Map.of(), Map.of(), Map.of(), blocks, null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The network without the plan's removed blocks, every kept block's scale folded into its branch's last layer, so
     * that it is a plain ResNet again. A removed first block of a stage keeps its shortcut (a branchless block, see
     * {@link ArchSpec#branchless}): with its scale at zero the trained block computed exactly that.
     */
    static Network removeBlocks(Network trained, PrunePlan plan) {
        ArchSpec spec = trained.spec();
        LayerGraph g = trained.graph();
        int n = spec.blocks().size();
        Map<String, PrunePlan.Block> planned = new LinkedHashMap<>();
        plan.blocks().forEach(b -> planned.put(b.block(), b));
        float[] scale = new float[n];
        boolean[] remove = new boolean[n];
        for (int b = 0; b < n; b++) {
            PrunePlan.Block p = planned.get(g.blockName(b));
            scale[b] = p != null ? p.scale() : 1f;
            remove[b] = p != null && p.removed();
        }
        // the new architecture: fewer blocks per stage, branchless first blocks, no scales
        List<List<Integer>> blocks = new ArrayList<>();
        List<List<Integer>> selections = spec.selections() == null ? null : new ArrayList<>();
        List<Integer> stageBlocks = new ArrayList<>();
        Map<String, String> rename = new LinkedHashMap<>();
        boolean[] branchOnlyShortcut = new boolean[n];
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            stageBlocks.add(0);
        }
        for (int b = 0; b < n; b++) {
            boolean shortcutStays = spec.firstInStage(b);
            if (remove[b] && !shortcutStays) {
                continue;
            }
            branchOnlyShortcut[b] = remove[b] || spec.branchless(b);
            int s = spec.stageOf(b);
            rename.put(g.blockName(b) + ".", "layer" + (s + 1) + "." + stageBlocks.get(s) + ".");
            stageBlocks.set(s, stageBlocks.get(s) + 1);
            blocks.add(branchOnlyShortcut[b] ? List.of() : spec.blocks().get(b));
            if (selections != null) {
                selections.add(branchOnlyShortcut[b] ? null : spec.selections().get(b));
            }
        }
        if (selections != null) {
            selections.add(spec.selections().get(n));
        }
        ArchSpec out = spec.withStages(blocks, selections, stageBlocks).withBlockScales(false).withName(plan.pruned()).validate();
        Network pruned = Network.create(out, 0, trained.device());
        List<Tensor> tensors = new ArrayList<>();
        for (Tensor t : trained.exportTensors()) {
            String name = t.name();
            String block = name.startsWith("layer") ? name.substring(0, name.indexOf('.', name.indexOf('.') + 1) + 1) : null;
            if (block != null && !rename.containsKey(block)) {
                continue; // a removed block
            }
            if (name.endsWith(".residual.scale")) {
                continue; // folded below
            }
            if (block != null && branchOnlyShortcut[blockIndex(g, block)] && !name.startsWith(block + "downsample.")) {
                continue; // the removed branch of a block whose shortcut stays
            }
            String newName = block == null ? name : rename.get(block) + name.substring(block.length());
            float[] data = t.data();
            if (block != null) {
                float k = scale[blockIndex(g, block)];
                // fold the branch scale into its last layer: BN scale and shift (resnet) or the last conv (preresnet)
                boolean last = spec.family().equals("resnet") ? name.endsWith(".bn2.gamma") || name.endsWith(".bn2.beta")
                        : name.endsWith(".conv3.weight");
                if (last && k != 1f) {
                    data = data.clone();
                    for (int i = 0; i < data.length; i++) {
                        data[i] *= k;
                    }
                }
            }
            tensors.add(new Tensor(newName, t.shape(), data));
        }
        try {
            pruned.importTensors(tensors, "sparse structure selection");
        } catch (RuntimeException e) {
            pruned.close();
            throw e;
        }
        return pruned;
    }

    private static int blockIndex(LayerGraph g, String blockPrefix) {
        for (int b = 0; b < g.spec().blocks().size(); b++) {
            if ((g.blockName(b) + ".").equals(blockPrefix)) {
                return b;
            }
        }
        throw new IllegalStateException("no block " + blockPrefix);
    }
}
