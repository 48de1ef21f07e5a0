package dev.sculptor.engine.train;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import java.util.List;

/**
 * Where pruning methods reach into training: sparsity penalties on gradients (Network Slimming),
 * mask enforcement (weight-level pruning), soft zeroing after an epoch (Soft Filter Pruning).
 * Calls happen inside the trainer's per-batch NDScope, so arrays created here are freed.
 */
public interface TrainingHook {
    /** Once before the first epoch of a fresh run (not on resume: the checkpoint already holds its effect). */
    default void beforeTraining(Network net) {}

    /**
     * Before each batch's forward pass: weights may be moved (a look-ahead point, as Sparse Structure Selection's
     * accelerated proximal gradient takes the gradient at one).
     */
    default void beforeForward(Network net) {}

    /** After backward, before the optimiser step: gradients may be changed in place. */
    default void afterBackward(Network net) {}

    /** After the optimiser step: weights may be changed in place. */
    default void afterStep(Network net) {}

    /** After the optimiser step, knowing the step's learning rate (proximal updates need it). */
    default void afterStep(Network net, double lr) {
        afterStep(net);
    }

    /** After each epoch (0-based), before its checkpoint is written. */
    default void afterEpoch(Network net, int epoch) {}

    /** State the hook carries between steps, saved with the optimiser state so a resumed run continues exactly. */
    default List<Tensor> exportState() {
        return List.of();
    }

    /** The state {@link #exportState} gave, on resume. */
    default void importState(List<Tensor> state) {}
}
