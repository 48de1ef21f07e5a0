package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.train.TrainingHook;
import java.util.List;

/**
 * A pruning method: optional hooks while training the model to prune, then the pruning itself, split into
 * {@link #plan} (scores and decision, inspectable) and {@link PrunePlan#apply} (the cutting).
 */
public interface PruningMethod {
    /** The method's entry in the registry. */
    MethodDef def();

    /** The method's word, reported in results, e.g. {@code l1}. */
    default String name() {
        return def().word();
    }

    /** The settings, recorded in lineage. */
    JsonObject settings();

    /**
     * The architecture the unpruned model is trained with; methods that add trainable structure
     * for their own selection (Sparse Structure Selection's block scales) change it here.
     */
    default ArchSpec prepare(ArchSpec spec) {
        return spec;
    }

    /**
     * What {@link #baselineHooks} depend on, recorded in the fingerprint of the baseline they train: by default every
     * setting. Methods whose other settings only decide the cut (slimming's percent, SSS's selection and target depth)
     * leave those out, so runs that differ only there share one trained baseline (a sweep over the cut needs that).
     */
    default JsonObject baselineSettings() {
        return settings();
    }

    /** Hooks for training the unpruned model (e.g. a sparsity penalty); none by default. */
    default List<TrainingHook> baselineHooks() {
        return List.of();
    }

    /** Scores a trained network and decides what goes; the network is left unchanged. */
    PrunePlan plan(Network trained);

    /** Prunes a trained network: {@link #plan}, then {@link PrunePlan#apply}; the input is left unchanged. */
    default PruneResult prune(Network trained) {
        long t0 = System.nanoTime();
        PrunePlan plan = plan(trained);
        Network pruned = plan.apply(trained);
        return new PruneResult(pruned, plan.kept(), name(), plan.settings(), (System.nanoTime() - t0) / 1e9);
    }
}
