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
 * adds a sparsity penalty on the scales through a proximal (soft-threshold) step after every SGD
 * step, {@code s <- sign(s) max(|s| - lr * gamma, 0)}, which drives whole blocks to exactly zero;
 * blocks whose scale is zero are then removed and the network becomes shallower. The first block of
 * each stage changes width or resolution and carries no scale, so it always stays. Kept scales are
 * folded into the branch's last layer, so the result is a plain ResNet.
 */
public final class SparseStructureSelection implements PruningMethod {
    /** Target depths in the spirit of the paper's ResNet-50 to ResNet-41/32/26 results. */
    public static final List<String> PRESETS = List.of("resnet-41", "resnet-32", "resnet-26");

    private final double gamma;
    private final Integer targetDepth;
    private final String preset;

    /**
     * @param gamma sparsity strength on the block scales
     * @param preset one of {@link #PRESETS} (a target depth), or null
     * @param targetDepth keep at most the blocks that give this depth (null: remove only zero scales)
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
    }

    @Override
    public MethodDef def() {
        return MethodDef.SPARSE_STRUCTURE_SELECTION;
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("gamma", gamma);
        if (preset != null) {
            o.addProperty("preset", preset);
        }
        if (targetDepth != null) {
            o.addProperty("targetDepth", targetDepth);
        }
        return o;
    }

    @Override
    public ArchSpec prepare(ArchSpec spec) {
        if (!spec.family().equals("resnet") && !spec.family().equals("preresnet")) {
            throw new ArchException("sparse structure selection removes residual blocks: it needs a resnet or preresnet, got "
                    + spec.family());
        }
        return spec.withBlockScales(true);
    }

    @Override
    public List<TrainingHook> baselineHooks() {
        return List.of(proximalHook(gamma));
    }

    /** The soft-threshold step on every block scale, after each optimiser step. */
    public static TrainingHook proximalHook(double gamma) {
        return new TrainingHook() {
            @Override
            public void afterStep(Network net, double lr) {
                float t = (float) (lr * gamma);
                for (String name : scaleTensors(net)) {
                    NDArray s = net.array(name);
                    float v = s.getFloat(0);
                    float shrunk = Math.signum(v) * Math.max(Math.abs(v) - t, 0f);
                    s.set(new float[] {shrunk});
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

    /** Blocks per depth unit: a basic block holds 2 convs, a bottleneck 3. */
    static int blocksForDepth(ArchSpec spec, int depth) {
        return Math.max(spec.stageWidths().size(), (depth - 2) / (spec.family().equals("resnet") ? 2 : 3));
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        ArchSpec spec = trained.spec();
        if (!spec.scaled()) {
            throw new ArchException("sparse structure selection needs a network trained with block scales (arch "
                    + spec.name() + " has none): train it with this method's baseline");
        }
        LayerGraph g = trained.graph();
        int n = spec.blocks().size();
        float[] scale = new float[n];
        List<Integer> removable = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            scale[b] = g.hasScale(b) ? trained.array(g.blockName(b) + ".residual.scale").getFloat(0) : 1f;
            if (g.hasScale(b)) {
                removable.add(b);
            }
        }
        boolean[] remove = new boolean[n];
        for (int b : removable) {
            remove[b] = scale[b] == 0f;
        }
        if (targetDepth != null) {
            int keepBlocks = blocksForDepth(spec, targetDepth);
            List<Integer> alive = new ArrayList<>(removable.stream().filter(b -> !remove[b]).toList());
            alive.sort(Comparator.comparingDouble(b -> Math.abs(scale[b])));
            int count = n - (int) java.util.stream.IntStream.range(0, n).filter(b -> remove[b]).count();
            for (int i = 0; i < alive.size() && count > keepBlocks; i++, count--) {
                remove[alive.get(i)] = true;
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
        return new PrunePlan(def().id(), spec.name(), spec.name() + "-sss" + (removed.isEmpty() ? "" : "-" + removed.size()),
                settings, Map.of(), Map.of(), Map.of(), blocks, null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The network without the plan's removed blocks, every kept block's scale folded into its branch's last layer, so
     * that it is a plain ResNet again.
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
        // the new architecture: fewer blocks per stage, no scales
        List<List<Integer>> blocks = new ArrayList<>();
        List<List<Integer>> selections = spec.selections() == null ? null : new ArrayList<>();
        List<Integer> stageBlocks = new ArrayList<>();
        Map<String, String> rename = new LinkedHashMap<>();
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            stageBlocks.add(0);
        }
        for (int b = 0; b < n; b++) {
            if (remove[b]) {
                continue;
            }
            int s = spec.stageOf(b);
            rename.put(g.blockName(b) + ".", "layer" + (s + 1) + "." + stageBlocks.get(s) + ".");
            stageBlocks.set(s, stageBlocks.get(s) + 1);
            blocks.add(spec.blocks().get(b));
            if (selections != null) {
                selections.add(spec.selections().get(b));
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
