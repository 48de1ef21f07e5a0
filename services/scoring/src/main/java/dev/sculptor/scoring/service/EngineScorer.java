package dev.sculptor.scoring.service;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.MethodDef;
import dev.sculptor.engine.prune.MethodSettings;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine side of scoring. The request's method is the engine's registry entry of the same name
 * ({@link MethodDef}), the engine plans the pruning with the contract's defaults ({@link PrunePlan}: the method's
 * importance scores and what its policy keeps), and this class only reshapes the plan into {@link Scores}: nothing
 * here decides what matters.
 */
public final class EngineScorer {
    private EngineScorer() {}

    /** The engine's plan and the scores it reports, timed. */
    public record Scored(PrunePlan plan, Scores scores) {}

    public static Scored score(Network net, MethodChoice m) {
        long t0 = System.nanoTime();
        PrunePlan plan = plan(net, m);
        Scores s = scores(plan);
        return new Scored(plan, new Scores(s.channels(), s.blocks(), s.weights(), (System.nanoTime() - t0) / 1e9, 0));
    }

    /** The engine's plan for a method it scores ahead of pruning; the errors name the request's field. */
    public static PrunePlan plan(Network net, MethodChoice m) {
        String method = m.method() == null ? "" : m.method();
        if (method.isEmpty() || method.equals("PRUNING_METHOD_UNSPECIFIED")) {
            throw PlatformException.invalid("method.method", "is required");
        }
        MethodDef def = MethodDef.find(method).orElseThrow(() -> PlatformException.invalid("method.method", "unknown method " + method));
        if (!def.scoredAhead()) {
            throw new PlatformException(Code.UNIMPLEMENTED, "method " + method + ": the engine selects these channels greedily "
                    + "from sampled activations and computes no per-channel importance, so there are no scores to report");
        }
        if (m.percent() != null && def.amount() == MethodDef.Amount.PERCENT && !def.takesPercent()) {
            throw new PlatformException(Code.UNIMPLEMENTED, "method.percent: the engine's sparse structure selection keeps blocks by "
                    + "target depth (presets " + def.presets() + ") or by zero scales, not by a percent");
        }
        // an unset lambda: the engine's default for this network's family (slimming: 1e-5 for PreResNet, DenseNet)
        MethodSettings settings = MethodSettings.ofContract(def, net.spec(), m.preset(), m.ratio(), m.ratios(), m.skip(), m.percent(), m.lambda(),
                m.includeLinear());
        return def.create(settings, () -> {
            throw new IllegalStateException(def.id() + " samples no data");
        }).plan(net);
    }

    /** A plan's scores as the contract reports them (no timing). */
    public static Scores scores(PrunePlan plan) {
        return switch (plan.def().granularity()) {
            case CHANNELS -> {
                List<Scores.Channel> out = new ArrayList<>();
                plan.scores().forEach((space, s) -> out.add(new Scores.Channel(space, s, plan.keptOrAll(space, s.length))));
                yield new Scores(out, List.of(), List.of(), 0, 0);
            }
            case BLOCKS -> new Scores(List.of(), plan.blocks().stream()
                    .map(b -> new Scores.Block(b.block(), Math.abs(b.scale()), !b.removed())).toList(), List.of(), 0, 0);
            case WEIGHTS -> {
                PrunePlan.Masks masks = plan.masks();
                List<Scores.Weights> out = new ArrayList<>();
                for (PrunePlan.MaskedTensor t : masks.tensors()) {
                    String layer = t.tensor().substring(0, t.tensor().length() - ".weight".length());
                    out.add(new Scores.Weights(layer, t.count(), t.nonzero(), t.pruned(), masks.largestMasked(), t.meanAbs(),
                            t.maxAbs()));
                }
                yield new Scores(List.of(), List.of(), out, 0, 0);
            }
        };
    }
}
