package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.train.TrainConfig;
import org.junit.jupiter.api.Test;

/** Retrain budgets of Liu et al. (ICLR 2019), against epochs worked out by hand. */
class RetrainingTest {
    @Test
    void theFamiliesDefaultEpochs() {
        assertEquals(160, Retraining.defaultEpochs("vgg"));
        assertEquals(160, Retraining.defaultEpochs("resnet"));
        assertEquals(6, Retraining.defaultEpochs("lenet"));
        // a quarter of the baseline's, as the reference's 40 of 160; LeNet's 6 give 2 (1.5 rounded), never 0
        assertEquals(40, Retraining.defaultFinetuneEpochs(160));
        assertEquals(2, Retraining.defaultFinetuneEpochs(6));
        assertEquals(1, Retraining.defaultFinetuneEpochs(1));
        assertEquals(0, Retraining.defaultFinetuneEpochs(0));
        assertEquals(3, Retraining.defaultFinetuneEpochs(10));
    }

    @Test
    void fineTuningDefaultsToTheBaselinesFinalRate() {
        // the reference: 0.1 with x0.1 at 50% and 75% of 160 epochs ends at 0.001, its fine-tuning rate
        assertEquals(0.001, Retraining.defaultFinetuneLr(0.1, "step", 160), 1e-12);
        // a run too short for epoch milestones drops by progress: the last epoch of 2 starts at 50%, so x0.1
        assertEquals(0.005, Retraining.defaultFinetuneLr(0.05, "step", 2), 1e-12);
        assertEquals(0.05, Retraining.defaultFinetuneLr(0.05, "constant", 4), 1e-12);
        assertEquals(0.1, Retraining.defaultFinetuneLr(0.1, "step", 0), 1e-12, "no schedule ran");
        // cosine at the start of the last of 4 epochs: 0.1 x (1 + cos(3pi/4)) / 2
        assertEquals(0.1 * (1 + Math.cos(3 * Math.PI / 4)) / 2, Retraining.defaultFinetuneLr(0.1, "cosine", 4), 1e-12);
        TrainConfig base = new TrainConfig(160, 64, 0.1, 0.9, 1e-4, "step", 1, true, null, false, true);
        assertEquals(0.001, Retraining.defaultFinetuneLr(base), 1e-12);
    }

    @Test
    void epochsOfEachMode() {
        assertEquals(40, Retraining.epochs(RetrainMode.FINE_TUNE, 160, 40, 3, 4.0));
        assertEquals(160, Retraining.epochs(RetrainMode.SCRATCH_E, 160, 40, 3, 4.0));
        assertEquals(160, Retraining.epochs(RetrainMode.LOTTERY_TICKET, 160, 40, 3, 4.0));
        // 160 x 2.5 = 400 under the cap of 640; 160 x 10 = 1600 capped at 640, or not without a cap
        assertEquals(400, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 2.5, 4.0));
        assertEquals(640, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 10, 4.0));
        assertEquals(1600, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 10, null));
        assertEquals(240, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 10, 1.5));
        // never fewer than Scratch-E: when pruning saved nothing, and under a cap below one
        assertEquals(160, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 0.8, 4.0));
        assertEquals(160, Retraining.epochs(RetrainMode.SCRATCH_B, 160, 40, 3, 0.5));
        // floored as the reference: 2 x 3.66 = 7.32 gives 7, and 2 x 3.9 = 7.8 gives 7 too (rounding would give 8, more
        // compute than the baseline had)
        assertEquals(7, Retraining.epochs(RetrainMode.SCRATCH_B, 2, 1, 3.66, 4.0));
        assertEquals(7, Retraining.epochs(RetrainMode.SCRATCH_B, 2, 1, 3.9, 4.0));
        assertTrue(Retraining.capped(RetrainMode.SCRATCH_B, 160, 10, 4.0));
        assertFalse(Retraining.capped(RetrainMode.SCRATCH_B, 160, 4, 4.0));
        assertFalse(Retraining.capped(RetrainMode.SCRATCH_B, 160, 10, null));
        assertFalse(Retraining.capped(RetrainMode.SCRATCH_E, 160, 10, 4.0));
    }

    @Test
    void budgetsCarryTheRateAndScheduleOfTheirMode() {
        TrainConfig base = new TrainConfig(10, 32, 0.1, 0.9, 1e-4, "step", 1, true, null, false, true);
        ModelStats original = new ModelStats(1000, 4000);
        ModelStats pruned = new ModelStats(500, 1000);
        Retraining.Budget ft = Retraining.budget(RetrainMode.FINE_TUNE, base, 3, 0.01, original, pruned, 2.0);
        assertEquals(new Retraining.Budget(RetrainMode.FINE_TUNE, 3, 0.01, "constant", 4.0, false), ft);
        Retraining.Budget sb = Retraining.budget(RetrainMode.SCRATCH_B, base, 3, 0.01, original, pruned, 2.0);
        assertEquals(new Retraining.Budget(RetrainMode.SCRATCH_B, 20, 0.1, "step", 4.0, true), sb);
        Retraining.Budget lt = Retraining.budget(RetrainMode.LOTTERY_TICKET, base, 3, 0.01, original, pruned, null);
        assertEquals(new Retraining.Budget(RetrainMode.LOTTERY_TICKET, 10, 0.1, "step", 4.0, false), lt);
    }
}
