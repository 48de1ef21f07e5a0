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

    /**
     * @param preset a name from {@link #PRESETS}, or null to use the ratios
     * @param ratio default ratio for every prunable space with filters (ignored with a preset)
     * @param explicitRatios per-space ratios that override the default
     * @param skip spaces left alone
     */
    public L1NormPruning(String preset, double ratio, Map<String, Double> explicitRatios, Set<String> skip) {
        if (preset != null && !PRESETS.contains(preset)) {
            throw new ArchException("unknown L1 preset '" + preset + "' (known: " + String.join(", ", PRESETS) + ")");
        }
        Policies.keepCount(1000, ratio);
        explicitRatios.values().forEach(r -> Policies.keepCount(1000, r));
        this.preset = preset;
        this.ratio = ratio;
        this.explicitRatios = Map.copyOf(explicitRatios);
        this.skip = Set.copyOf(skip);
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
        return g.shrink(keep, newName);
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = Importances.l1FilterNorm().scores(trained);
        Map<String, int[]> keep = Policies.perSpace(scores, ratios(trained.graph()));
        String newName = trained.spec().name() + "-" + (preset != null ? preset : name());
        return new PrunePlan(def().id(), trained.spec().name(), newName, settings(), scores, keep, Map.of(), List.of(), null,
                (System.nanoTime() - t0) / 1e9);
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
