package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.train.TrainingHook;
import java.util.List;

/** A pruning method: optional hooks while training the model to prune, then the pruning itself. */
public interface PruningMethod {
    String name();

    /** The settings, recorded in lineage. */
    JsonObject settings();

    /**
     * The architecture the unpruned model is trained with; methods that add trainable structure
     * for their own selection (Sparse Structure Selection's block scales) change it here.
     */
    default dev.sculptor.engine.arch.ArchSpec prepare(dev.sculptor.engine.arch.ArchSpec spec) {
        return spec;
    }

    /** Hooks for training the unpruned model (e.g. a sparsity penalty); none by default. */
    default List<TrainingHook> baselineHooks() {
        return List.of();
    }

    /** Prunes a trained network; the input is left unchanged. */
    PruneResult prune(Network trained);
}
