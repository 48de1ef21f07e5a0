package dev.sculptor.pruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.platform.errors.PlatformException;
import org.junit.jupiter.api.Test;

/** Retrain budgets of Liu et al. (ICLR 2019), against epochs worked out by hand. */
class BudgetsTest {
    static final TrainingPlan CIFAR = TrainingPlan.newBuilder().setEpochs(160).build();

    @Test
    void fineTuneAndScratchEFollowThePlanOrTheFamilyDefaults() {
        TrainingPlan none = TrainingPlan.getDefaultInstance();
        assertEquals(40, Budgets.epochs(RetrainMode.FINE_TUNE, none, "vgg", 3, 4.0));
        assertEquals(2, Budgets.epochs(RetrainMode.FINE_TUNE, none, "lenet", 3, 4.0));
        assertEquals(160, Budgets.epochs(RetrainMode.SCRATCH_E, none, "resnet", 3, 4.0));
        assertEquals(6, Budgets.epochs(RetrainMode.SCRATCH_E, none, "lenet", 3, 4.0));
        assertEquals(7, Budgets.epochs(RetrainMode.FINE_TUNE, TrainingPlan.newBuilder().setFinetuneEpochs(7).build(), "vgg", 3, 4.0));
        // without finetune_epochs: a quarter of the plan's baseline epochs
        assertEquals(5, Budgets.epochs(RetrainMode.FINE_TUNE, TrainingPlan.newBuilder().setEpochs(20).build(), "vgg", 3, 4.0));
        assertEquals(160, Budgets.epochs(RetrainMode.SCRATCH_E, CIFAR, "vgg", 3, 4.0));
    }

    @Test
    void scratchBBuysTheBaselinesComputeWithinTheCap() {
        // 160 epochs x 2.5 fewer FLOPs = 400 epochs, under the cap of 4 x 160 = 640
        assertEquals(400, Budgets.epochs(RetrainMode.SCRATCH_B, CIFAR, "vgg", 2.5, 4.0));
        // 160 x 10 = 1600, capped at 640; without a cap it stays 1600
        assertEquals(640, Budgets.epochs(RetrainMode.SCRATCH_B, CIFAR, "vgg", 10, 4.0));
        assertEquals(1600, Budgets.epochs(RetrainMode.SCRATCH_B, CIFAR, "vgg", 10, null));
        // the plan's cap wins over the service's: floor(160 x 1.5) = 240
        assertEquals(240, Budgets.epochs(RetrainMode.SCRATCH_B, CIFAR.toBuilder().setScratchBCap(1.5).build(), "vgg", 10, 4.0));
        // never fewer epochs than Scratch-E, even when pruning saved nothing
        assertEquals(160, Budgets.epochs(RetrainMode.SCRATCH_B, CIFAR, "vgg", 0.8, 4.0));
        // LeNet at 2 epochs and 3.66x fewer FLOPs: round(7.32) = 7
        assertEquals(7, Budgets.epochs(RetrainMode.SCRATCH_B, TrainingPlan.newBuilder().setEpochs(2).build(), "lenet", 3.66, 4.0));
    }

    @Test
    void lotteryTicketHasNoBudgetHere() {
        assertThrows(PlatformException.class, () -> Budgets.epochs(RetrainMode.LOTTERY_TICKET, CIFAR, "vgg", 2, 4.0));
        assertEquals("scratch-b", Budgets.label(RetrainMode.SCRATCH_B));
    }
}
