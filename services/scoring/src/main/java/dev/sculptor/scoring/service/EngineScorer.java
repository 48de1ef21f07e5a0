package dev.sculptor.scoring.service;

import com.google.gson.JsonElement;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.Importance;
import dev.sculptor.engine.prune.Importances;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.prune.PruningMethods;
import dev.sculptor.engine.prune.SoftFilterPruning;
import dev.sculptor.engine.prune.SparseStructureSelection;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The engine side of scoring. Scores come from the engine's importance criteria and what is kept
 * from the engine's own pruning of the network with the requested policy, so nothing here decides
 * what matters: {@link Importances#l1FilterNorm()} (L1-norm), {@link Importances#bnScale()}
 * (Network Slimming), {@link SoftFilterPruning#l2FilterNorm()} (Soft Filter Pruning), the block
 * scales that {@link SparseStructureSelection} prunes by, and the masks of
 * {@link WeightLevelPruning}. Defaults are the contract's ({@code MethodSpec}).
 */
public final class EngineScorer {
    private EngineScorer() {}

    public static Scores score(Network net, MethodChoice m) {
        long t0 = System.nanoTime();
        String method = m.method() == null ? "" : m.method();
        Scores s = switch (method) {
            case "L1_NORM" -> channels(net, Importances.l1FilterNorm(), policy("l1-norm", m));
            case "NETWORK_SLIMMING" -> channels(net, Importances.bnScale(), policy("network-slimming", m));
            case "SOFT_FILTER_PRUNING" -> channels(net, SoftFilterPruning.l2FilterNorm(), policy("soft-filter-pruning", m));
            case "WEIGHT_LEVEL" -> weights(net, (WeightLevelPruning) policy("weight-level", m));
            case "SPARSE_STRUCTURE_SELECTION" -> blocks(net, m);
            case "THINET", "REGRESSION" -> throw new PlatformException(Code.UNIMPLEMENTED, "method " + method + ": the engine selects "
                    + "these channels greedily from sampled activations and computes no per-channel importance, so there are no "
                    + "scores to report");
            case "", "PRUNING_METHOD_UNSPECIFIED" -> throw PlatformException.invalid("method.method", "is required");
            default -> throw PlatformException.invalid("method.method", "unknown method " + method);
        };
        return new Scores(s.channels(), s.blocks(), s.weights(), (System.nanoTime() - t0) / 1e9, 0);
    }

    private static Scores channels(Network net, Importance importance, PruningMethod policy) {
        Map<String, float[]> scores = importance.scores(net);
        Map<String, int[]> kept;
        PruneResult r = policy.prune(net);
        try (Network ignored = r.network()) {
            kept = r.kept();
        }
        List<Scores.Channel> out = new ArrayList<>();
        scores.forEach((space, s) -> out.add(new Scores.Channel(space, s, kept.containsKey(space) ? kept.get(space)
                : IntStream.range(0, s.length).toArray())));
        return new Scores(out, List.of(), List.of(), 0, 0);
    }

    private static Scores blocks(Network net, MethodChoice m) {
        if (m.percent() != null) {
            throw new PlatformException(Code.UNIMPLEMENTED, "method.percent: the engine's sparse structure selection keeps blocks by "
                    + "target depth (presets " + SparseStructureSelection.PRESETS + ") or by zero scales, not by a percent");
        }
        PruningMethod sss = policy("sparse-structure-selection", m);
        Set<String> removed = new HashSet<>();
        PruneResult r = sss.prune(net);
        try (Network ignored = r.network()) {
            for (JsonElement e : r.settings().getAsJsonArray("removedBlocks")) {
                removed.add(e.getAsString());
            }
        }
        LayerGraph g = net.graph();
        List<Scores.Block> out = new ArrayList<>();
        for (int b = 0; b < net.spec().blocks().size(); b++) {
            if (g.hasScale(b)) {
                String name = g.blockName(b);
                float scale = net.array(name + ".residual.scale").getFloat(0);
                out.add(new Scores.Block(name, Math.abs(scale), !removed.contains(name)));
            }
        }
        return new Scores(List.of(), out, List.of(), 0, 0);
    }

    /** Per target layer: magnitudes now, and how many weights the engine's global threshold masks. */
    private static Scores weights(Network net, WeightLevelPruning policy) {
        List<String> targets = policy.targets(net);
        PruneResult r = policy.prune(net);
        List<float[]> values = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        try (Network masked = r.network()) {
            for (String t : targets) {
                float[] w = net.array(t).toFloatArray();
                if (net.masks().containsKey(t)) {
                    float[] old = net.masks().get(t).toFloatArray();
                    for (int i = 0; i < w.length; i++) {
                        w[i] *= old[i];
                    }
                }
                values.add(w);
                masks.add(masked.masks().get(t).toFloatArray());
            }
        }
        // the engine masks every weight at or below its threshold, so the largest masked magnitude is that threshold
        float threshold = 0;
        for (int k = 0; k < targets.size(); k++) {
            float[] w = values.get(k);
            float[] mask = masks.get(k);
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0f) {
                    threshold = Math.max(threshold, Math.abs(w[i]));
                }
            }
        }
        List<Scores.Weights> out = new ArrayList<>();
        for (int k = 0; k < targets.size(); k++) {
            float[] w = values.get(k);
            float[] mask = masks.get(k);
            double sum = 0;
            float max = 0;
            long pruned = 0;
            for (int i = 0; i < w.length; i++) {
                float a = Math.abs(w[i]);
                sum += a;
                max = Math.max(max, a);
                pruned += mask[i] == 0f ? 1 : 0;
            }
            String layer = targets.get(k).substring(0, targets.get(k).length() - ".weight".length());
            out.add(new Scores.Weights(layer, w.length, net.nonZero(targets.get(k)), pruned, threshold,
                    w.length == 0 ? 0 : (float) (sum / w.length), max));
        }
        return new Scores(List.of(), List.of(), out, 0, 0);
    }

    /** The engine's policy for a data-free method, with the contract's defaults (ratio 0.5, lambda 1e-4). */
    private static PruningMethod policy(String id, MethodChoice m) {
        return PruningMethods.create(PruningMethods.Settings.of(id, blankToNull(m.preset()), or(m.ratio(), 0.5), m.ratios(),
                Set.copyOf(m.skip()), m.percent(), or(m.lambda(), 1e-4), m.includeLinear()), () -> {
                    throw new IllegalStateException(id + " samples no data");
                });
    }

    private static double or(Double v, double dflt) {
        return v != null ? v : dflt;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
