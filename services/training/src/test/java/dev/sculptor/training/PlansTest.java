package dev.sculptor.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.training.service.Plans;
import org.junit.jupiter.api.Test;

/** The contract's plan to the engine's, without any service running. */
class PlansTest {
    @Test
    void defaultsFollowTheReferenceRecipe() {
        TrainingRequested r = TrainingRequested.newBuilder().setEpochs(4).build();
        TrainConfig c = Plans.config(r, 4, "vgg");
        assertEquals(new TrainConfig(4, 64, 0.1, 0.9, 1e-4, "step", 1, true, null, false, true), c);
        assertEquals(0.05, Plans.config(r, 4, "lenet").lr());
    }

    @Test
    void fineTuningUsesItsOwnConstantRateAndEpochs() {
        TrainingRequested r = TrainingRequested.newBuilder().setRetrainMode(RetrainMode.FINE_TUNE)
                .setPlan(TrainingPlan.newBuilder().setEpochs(160).setFinetuneEpochs(20).setLearningRate(0.1)).build();
        assertEquals(20, Plans.epochs(r));
        TrainConfig c = Plans.config(r, 20, "vgg");
        // the baseline's final rate: 0.1 after two x0.1 steps, as the reference fine-tunes
        assertEquals(0.001, c.lr(), 1e-12);
        assertEquals("constant", c.schedule());
        TrainingPlan given = r.getPlan().toBuilder().setFinetuneLearningRate(0.02).build();
        assertEquals(0.02, Plans.config(r.toBuilder().setPlan(given).build(), 20, "vgg").lr());
        // no baseline epochs in the plan: the family's default (LeNet 6 at 0.05, step), ending at 0.0005
        TrainingRequested lenet = TrainingRequested.newBuilder().setRetrainMode(RetrainMode.FINE_TUNE).setEpochs(2).build();
        assertEquals(0.0005, Plans.config(lenet, 2, "lenet").lr(), 1e-12);
        assertEquals(160, Plans.epochs(r.toBuilder().setRetrainMode(RetrainMode.SCRATCH_E).build()));
        assertEquals(7, Plans.epochs(r.toBuilder().setEpochs(7).build()), "the request's resolved count wins");
    }

    @Test
    void explicitSettingsAndBadOnes() {
        TrainingRequested r = TrainingRequested.newBuilder().setPlan(TrainingPlan.newBuilder().setBatchSize(32).setLearningRate(0.2)
                .setMomentum(0).setWeightDecay(0).setSchedule(TrainingPlan.Schedule.COSINE).setSeed(9).setAugment(false)).build();
        assertEquals(new TrainConfig(3, 32, 0.2, 0, 0, "cosine", 9, false, null, false, true), Plans.config(r, 3, "vgg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Plans.config(r.toBuilder()
                .setPlan(r.getPlan().toBuilder().setMomentum(1.5)).build(), 3, "vgg"));
        assertTrue(e.getMessage().startsWith("plan: momentum"), e.getMessage());
        assertEquals("lottery-ticket", Plans.methodId(RetrainMode.LOTTERY_TICKET));
        assertEquals("train", Plans.methodId(RetrainMode.RETRAIN_MODE_UNSPECIFIED));
    }
}
