package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.train.TrainConfig;

/** Budgets and starting points of the retrain modes. */
public final class Retraining {
    private Retraining() {}

    /**
     * The training budget of one mode, recorded beside its result.
     *
     * @param flopsRatio FLOPs(original) / FLOPs(pruned), non-zero weights only for masked models
     * @param capped whether Scratch-B hit the cap
     */
    public record Budget(RetrainMode mode, int epochs, double lr, String schedule, double flopsRatio, boolean capped) {}

    /**
     * @param baselineEpochs epochs the unpruned model was trained for
     * @param scratchBCap at most this multiple of the baseline epochs for Scratch-B (null: no cap)
     */
    public static Budget budget(RetrainMode mode, TrainConfig baseline, int finetuneEpochs, double finetuneLr,
            ModelStats original, ModelStats pruned, Double scratchBCap) {
        double ratio = (double) original.flops() / Math.max(1, pruned.flops());
        return switch (mode) {
            case FINE_TUNE -> new Budget(mode, finetuneEpochs, finetuneLr, "constant", ratio, false);
            case SCRATCH_E -> new Budget(mode, baseline.epochs(), baseline.lr(), baseline.schedule(), ratio, false);
            case SCRATCH_B -> {
                // Same compute as the baseline: epochs scale with the FLOPs saved (never fewer than Scratch-E).
                int epochs = Math.max(baseline.epochs(), (int) Math.round(baseline.epochs() * ratio));
                boolean capped = false;
                if (scratchBCap != null && epochs > baseline.epochs() * scratchBCap) {
                    epochs = (int) Math.floor(baseline.epochs() * scratchBCap);
                    capped = true;
                }
                yield new Budget(mode, epochs, baseline.lr(), baseline.schedule(), ratio, capped);
            }
        };
    }

    /**
     * The network a mode starts from: a copy of the pruned one for fine-tuning; for scratch modes a
     * fresh random initialisation of the pruned architecture that keeps the pruned model's masks.
     */
    public static Network start(RetrainMode mode, Network pruned, long seed) {
        Network net = Network.create(pruned.spec(), seed, pruned.device());
        try {
            if (!mode.fromScratch()) {
                net.importTensors(pruned.exportTensors(), "pruned model");
            }
            if (!pruned.masks().isEmpty()) {
                net.importMasks(pruned.exportMasks(), "pruned model");
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    public static TrainConfig config(Budget b, TrainConfig baseline) {
        return baseline.withEpochs(b.epochs()).withLr(b.lr(), b.schedule());
    }
}
