package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * L1-norm filter pruning (Li, Kadav, Durdanovic, Samet, Graf, "Pruning Filters for Efficient
 * ConvNets", ICLR 2017): in each chosen layer, remove the filters with the smallest sum of absolute
 * weights, at a per-layer ratio, skipping sensitive layers; presets reproduce the paper's models.
 */
public final class L1NormPruning implements PruningMethod {
    public static final List<String> PRESETS = List.of("vgg16-a", "resnet56-a", "resnet56-b", "resnet110-a", "resnet110-b");

    private final String preset;
    private final double ratio;
    private final Map<String, Double> explicitRatios;
    private final Set<String> skip;
    private final boolean streams;

    /** As {@link #L1NormPruning(String, double, Map, Set, boolean)}, residual streams kept whole (Li et al.). */
    public L1NormPruning(String preset, double ratio, Map<String, Double> explicitRatios, Set<String> skip) {
        this(preset, ratio, explicitRatios, skip, false);
    }

    /**
     * @param preset a name from {@link #PRESETS}, or null to use the ratios
     * @param ratio default ratio for every prunable space with filters (ignored with a preset)
     * @param explicitRatios per-space ratios that override the default
     * @param skip spaces left alone
     * @param streams also narrow a ResNet's or PreResNet's residual streams at {@code ratio} (each keeps its channels of largest
     *     L1 norm over every conv writing them, nested across stages as {@link Policies#nestedStreams}); not part
     *     of the paper, whose ResNet presets prune only each block's first conv, so no preset asks for it
     */
    public L1NormPruning(String preset, double ratio, Map<String, Double> explicitRatios, Set<String> skip,
            boolean streams) {
        if (preset != null && !PRESETS.contains(preset)) {
            throw new ArchException("unknown L1 preset '" + preset + "' (known: " + String.join(", ", PRESETS) + ")");
        }
        if (streams && preset != null) {
            throw new ArchException("L1 preset '" + preset + "' keeps the residual streams whole, as Li et al.; "
                    + "narrowing streams needs a ratio instead of a preset");
        }
        Policies.keepCount(1000, ratio);
        explicitRatios.values().forEach(r -> Policies.keepCount(1000, r));
        this.preset = preset;
        this.ratio = ratio;
        this.explicitRatios = Map.copyOf(explicitRatios);
        this.skip = Set.copyOf(skip);
        this.streams = streams;
    }

    public static L1NormPruning preset(String name) {
        return new L1NormPruning(name, 0, Map.of(), Set.of());
    }

    @Override
    public MethodDef def() {
        return MethodDef.L1_NORM;
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        if (preset != null) {
            o.addProperty("preset", preset);
        } else {
            o.addProperty("ratio", ratio);
            JsonObject r = new JsonObject();
            explicitRatios.forEach(r::addProperty);
            o.add("ratios", r);
            o.add("skip", new com.google.gson.Gson().toJsonTree(skip.stream().sorted().toList()));
            if (streams) {
                o.addProperty("streams", true); // absent otherwise, so earlier settings read the same
            }
        }
        return o;
    }

    /** The ratio for every space this policy prunes, on a given architecture. */
    public Map<String, Double> ratios(LayerGraph graph) {
        if (preset != null) {
            return presetRatios(graph, preset);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (String s : skip) {
            graph.space(s);
        }
        for (String s : explicitRatios.keySet()) {
            ChannelSpace cs = graph.space(s);
            if (!cs.prunable()) {
                throw new ArchException("channel space '" + s + "' cannot be pruned: " + cs.reason());
            }
        }
        for (ChannelSpace s : graph.prunableSpaces()) {
            if (s.producers().isEmpty() || skip.contains(s.id())) {
                continue;
            }
            double r = explicitRatios.getOrDefault(s.id(), ratio);
            if (r > 0) {
                out.put(s.id(), r);
            }
        }
        return out;
    }

    /** The pruned architecture, which depends on the ratios only (not on the weights). */
    public ArchSpec prunedSpec(ArchSpec spec, String newName) {
        LayerGraph g = LayerGraph.of(spec);
        Map<String, int[]> keep = new LinkedHashMap<>();
        ratios(g).forEach((id, r) -> {
            int n = g.space(id).size();
            keep.put(id, java.util.stream.IntStream.range(0, Policies.keepCount(n, r)).toArray());
        });
        keep.putAll(streamKeep(g, null)); // with no weights every channel ties: the highest positions go
        return g.shrink(keep, newName);
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = Importances.l1FilterNorm().scores(trained);
        Map<String, int[]> keep = Policies.perSpace(scores, ratios(trained.graph()));
        keep.putAll(streamKeep(trained.graph(), trained));
        String newName = trained.spec().name() + "-" + (preset != null ? preset : name());
        return new PrunePlan(def().id(), trained.spec().name(), newName, settings(), scores, keep, Map.of(), List.of(), null,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * With {@code streams}, the kept channels of each narrowed residual stream of a ResNet or PreResNet: {@code keepCount} at
     * the ratio (none go from a skipped stream), ranked by the L1 norm summed over every conv writing the channel
     * here and in the later streams the shortcut carries it into. Empty otherwise; an error where the counts
     * cannot nest (a stream skipped while an earlier one is pruned).
     *
     * @param net the weights scored, or null to rank every channel equally
     */
    private Map<String, int[]> streamKeep(LayerGraph g, Network net) {
        if (!streams || g.residualStreams().isEmpty()) {
            return Map.of();
        }
        Map<String, float[]> additive = new LinkedHashMap<>();
        Map<String, Integer> removed = new LinkedHashMap<>();
        for (String id : g.residualStreams()) {
            ChannelSpace s = g.space(id);
            float[] a = new float[s.size()];
            if (net != null) {
                for (String producer : s.producers()) {
                    float[] w = net.array(producer + ".weight").toFloatArray();
                    int per = w.length / a.length;
                    for (int i = 0; i < w.length; i++) {
                        a[i / per] += Math.abs(w[i]);
                    }
                }
            }
            additive.put(id, a);
            removed.put(id, skip.contains(id) ? 0 : s.size() - Policies.keepCount(s.size(), ratio));
        }
        Map<String, int[]> keep = g.streamsNest() ? Policies.nestedStreams(g.residualStreams(), additive, removed)
                : Policies.eachStream(g.residualStreams(), additive, removed);
        if (keep == null) {
            throw new ArchException("L1 streams: the residual streams' removed counts " + removed
                    + " cannot nest (each stream must remove at least what the one before it removes, since its "
                    + "shortcut carries those channels); skip the earlier streams too");
        }
        Map<String, int[]> narrowed = new LinkedHashMap<>();
        keep.forEach((id, k) -> {
            if (k.length < g.space(id).size()) {
                narrowed.put(id, k);
            }
        });
        return narrowed;
    }

    /**
     * The paper's presets. Layer ids count conv layers from 1 (the stem); in a CIFAR ResNet the
     * first conv of block b (0-based) is layer 2b+2, the only one pruned.
     */
    static Map<String, Double> presetRatios(LayerGraph g, String preset) {
        ArchSpec spec = g.spec();
        Map<String, Double> out = new LinkedHashMap<>();
        switch (preset) {
            case "vgg16-a" -> {
                if (!spec.family().equals("vgg") || spec.convWidths().size() != 13) {
                    throw new ArchException("preset vgg16-a needs a vgg16, got " + spec.family() + " with "
                            + (spec.convWidths() == null ? 0 : spec.convWidths().size()) + " convs");
                }
                // conv1 and conv8-13 lose half their filters
                for (int i : new int[] {0, 7, 8, 9, 10, 11, 12}) {
                    out.put("features." + i, 0.5);
                }
            }
            case "resnet56-a", "resnet56-b", "resnet110-a", "resnet110-b" -> {
                int depth = preset.startsWith("resnet56") ? 56 : 110;
                if (!spec.family().equals("resnet") || spec.blocks().size() != (depth - 2) / 2) {
                    throw new ArchException("preset " + preset + " needs a resnet" + depth + ", got " + spec.name());
                }
                double[] stageRatios = switch (preset) {
                    case "resnet56-a" -> new double[] {0.1, 0.1, 0.1};
                    case "resnet56-b" -> new double[] {0.6, 0.3, 0.1};
                    case "resnet110-a" -> new double[] {0.5, 0, 0};
                    default -> new double[] {0.5, 0.4, 0.3};
                };
                Set<Integer> skipIds = switch (preset) {
                    case "resnet56-a" -> Set.of(16, 20, 38, 54);
                    case "resnet56-b" -> Set.of(16, 18, 20, 34, 38, 54);
                    case "resnet110-a" -> Set.of(36);
                    default -> Set.of(36, 38, 74);
                };
                int per = spec.blocksPerStage();
                for (int b = 0; b < spec.blocks().size(); b++) {
                    double r = stageRatios[b / per];
                    if (!skipIds.contains(2 * b + 2) && r > 0) {
                        out.put(g.blockName(b) + ".inner", r);
                    }
                }
            }
            default -> throw new ArchException("unknown L1 preset " + preset);
        }
        return out;
    }
}
