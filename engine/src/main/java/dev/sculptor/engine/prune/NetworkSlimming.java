package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.train.TrainingHook;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Network Slimming (Liu, Li, Shen, Huang, Yan, Zhang, "Learning Efficient Convolutional Networks
 * through Network Slimming", ICCV 2017): train with an L1 penalty on the BatchNorm scales that gate
 * prunable channels, then remove every channel whose |scale| is below one global percentile
 * threshold, never emptying a layer, and shrink the network physically.
 */
public final class NetworkSlimming implements PruningMethod {
    private final double percent;
    private final double lambda;

    /**
     * @param percent fraction of all prunable channels to remove, in [0, 1)
     * @param lambda sparsity strength on |gamma| (the paper: 1e-4 for VGG, 1e-5 for ResNets)
     */
    public NetworkSlimming(double percent, double lambda) {
        if (!(percent >= 0 && percent < 1)) {
            throw new ArchException("slimming percent must be in [0, 1), got " + percent);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new ArchException("slimming lambda must be >= 0, got " + lambda);
        }
        this.percent = percent;
        this.lambda = lambda;
    }

    @Override
    public MethodDef def() {
        return MethodDef.NETWORK_SLIMMING;
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("percent", percent);
        o.addProperty("lambda", lambda);
        return o;
    }

    @Override
    public List<TrainingHook> baselineHooks() {
        return lambda == 0 ? List.of() : List.of(sparsityHook(lambda));
    }

    /** Adds {@code lambda * sign(gamma)} to the gradient of every gating BN scale (the L1 subgradient). */
    public static TrainingHook sparsityHook(double lambda) {
        return new TrainingHook() {
            @Override
            public void afterBackward(Network net) {
                for (String bn : gatingBatchNorms(net)) {
                    NDArray gamma = net.array(bn + ".gamma");
                    NDArray grad = gamma.getGradient();
                    grad.addi(gamma.sign().muli(lambda));
                }
            }
        };
    }

    static Set<String> gatingBatchNorms(Network net) {
        Set<String> out = new LinkedHashSet<>();
        for (ChannelSpace s : net.graph().prunableSpaces()) {
            if (s.bn() != null) {
                out.add(s.bn());
            }
        }
        return out;
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = Importances.bnScale().scores(trained);
        Map<String, int[]> keep = Policies.globalThreshold(scores, percent);
        return new PrunePlan(def().id(), trained.spec().name(), trained.spec().name() + "-slim" + Math.round(percent * 100),
                settings(), scores, keep, Map.of(), List.of(), null, (System.nanoTime() - t0) / 1e9);
    }
}
