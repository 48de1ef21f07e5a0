package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;

/**
 * Epochs of each retrain mode, as Liu et al. ("Rethinking the Value of Network Pruning", ICLR 2019)
 * define them: fine-tuning a few epochs at a small constant rate; Scratch-E the baseline's epochs;
 * Scratch-B the baseline's compute, i.e. its epochs times FLOPs(baseline) / FLOPs(pruned), never fewer
 * than Scratch-E and at most {@code scratch_b_cap} times the baseline's epochs.
 */
public final class Budgets {
    /** The reference recipes' epochs when the plan gives none: CIFAR 160 (fine-tune 40), LeNet on Fashion-MNIST 6 (2). */
    static int defaultEpochs(String family) {
        return "lenet".equals(family) ? 6 : 160;
    }

    static int defaultFinetuneEpochs(String family) {
        return "lenet".equals(family) ? 2 : 40;
    }

    private Budgets() {}

    /** The baseline's epochs: the plan's, else the family's default. */
    public static int baselineEpochs(TrainingPlan plan, String family) {
        return plan.getEpochs() > 0 ? plan.getEpochs() : defaultEpochs(family);
    }

    /**
     * @param flopsRatio FLOPs(baseline) / FLOPs(pruned), non-zero weights counted for masked models
     * @param defaultCap the cap when the plan has none (null: none)
     */
    public static int epochs(RetrainMode mode, TrainingPlan plan, String family, double flopsRatio, Double defaultCap) {
        int base = baselineEpochs(plan, family);
        return switch (mode) {
            case FINE_TUNE -> plan.getFinetuneEpochs() > 0 ? plan.getFinetuneEpochs() : defaultFinetuneEpochs(family);
            case SCRATCH_E -> base;
            case SCRATCH_B -> {
                int epochs = Math.max(base, (int) Math.round(base * flopsRatio));
                Double cap = plan.hasScratchBCap() ? Double.valueOf(plan.getScratchBCap()) : defaultCap;
                yield cap == null ? epochs : Math.max(base, Math.min(epochs, (int) Math.floor(base * cap)));
            }
            default -> throw JobException.invalid("retrain_modes", "mode " + mode + " has no budget here");
        };
    }

    /** The candidate's label, e.g. {@code scratch-b}. */
    public static String label(RetrainMode mode) {
        return mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
