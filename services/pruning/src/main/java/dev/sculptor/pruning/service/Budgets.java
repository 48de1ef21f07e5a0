package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.platform.errors.PlatformException;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Epochs of each retrain mode of a job: the plan's numbers, else the family's defaults, through the engine's rule
 * ({@link Retraining#epochs}). The contract's enum maps to the engine's by name.
 */
public final class Budgets {
    private Budgets() {}

    /** The engine's mode for a contract mode; empty for an unset or unknown value. */
    static Optional<dev.sculptor.engine.experiment.RetrainMode> engine(RetrainMode mode) {
        return Stream.of(dev.sculptor.engine.experiment.RetrainMode.values()).filter(m -> m.name().equals(mode.name()))
                .findFirst();
    }

    /** The baseline's epochs: the plan's, else the family's default. */
    public static int baselineEpochs(TrainingPlan plan, String family) {
        return plan.getEpochs() > 0 ? plan.getEpochs() : Retraining.defaultEpochs(family);
    }

    /**
     * @param flopsRatio FLOPs(baseline) / FLOPs(pruned), non-zero weights counted for masked models
     * @param defaultCap the cap when the plan has none (null: none)
     */
    public static int epochs(RetrainMode mode, TrainingPlan plan, String family, double flopsRatio, Double defaultCap) {
        // lottery-ticket rewinding needs the baseline's initial weights, which a job does not keep
        dev.sculptor.engine.experiment.RetrainMode m = engine(mode).filter(e -> !e.rewindsToInit())
                .orElseThrow(() -> PlatformException.invalid("retrain_modes", "mode " + mode + " has no budget here"));
        int baseline = baselineEpochs(plan, family);
        int finetune = plan.getFinetuneEpochs() > 0 ? plan.getFinetuneEpochs() : Retraining.defaultFinetuneEpochs(baseline);
        Double cap = plan.hasScratchBCap() ? Double.valueOf(plan.getScratchBCap()) : defaultCap;
        return Retraining.epochs(m, baseline, finetune, flopsRatio, cap);
    }

    /** The candidate's label, the engine's id of the mode, e.g. {@code scratch-b}; a value the engine lacks is spelt out. */
    public static String label(RetrainMode mode) {
        return engine(mode).map(dev.sculptor.engine.experiment.RetrainMode::id)
                .orElse(mode.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
}
