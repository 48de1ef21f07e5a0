package dev.sculptor.platform.plans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.platform.errors.PlatformException;
import org.junit.jupiter.api.Test;

class PlanLimitsTest {
    static final PlanLimits LIMITS = new PlanLimits(200, 50, 512, 60_000, 4.0);

    static String refusal(Runnable r) {
        PlatformException e = assertThrows(PlatformException.class, r::run);
        assertEquals(PlatformException.Code.INVALID_ARGUMENT, e.code());
        return e.getMessage();
    }

    @Test
    void eachCostlyFieldIsBoundedAndNamed() {
        assertEquals("prune_job.plan.epochs: must be at most 200 (this service's maximum), got 100000",
                refusal(() -> LIMITS.check("prune_job.plan", TrainingPlan.newBuilder().setEpochs(100000).build())));
        assertEquals("p.finetune_epochs: must be at most 50 (this service's maximum), got 51",
                refusal(() -> LIMITS.check("p", TrainingPlan.newBuilder().setFinetuneEpochs(51).build())));
        assertEquals("p.batch_size: must be at most 512 (this service's maximum), got 513",
                refusal(() -> LIMITS.check("p", TrainingPlan.newBuilder().setBatchSize(513).build())));
        assertEquals("p.scratch_b_cap: must be at most 4 (this service's maximum), got 4.5",
                refusal(() -> LIMITS.check("p", TrainingPlan.newBuilder().setScratchBCap(4.5).build())));
        assertEquals("d.train_subset: must be at most 60000 (this service's maximum), got 60001",
                refusal(() -> LIMITS.check("d", DatasetRef.newBuilder().setTrainSubset(60_001).build())));
        assertEquals("d.test_subset: must be at most 60000 (this service's maximum), got 2147483647",
                refusal(() -> LIMITS.check("d", DatasetRef.newBuilder().setTestSubset(Integer.MAX_VALUE).build())));
        assertEquals("training_run.epochs: must be at most 200 (this service's maximum), got 201",
                refusal(() -> LIMITS.checkEpochs("training_run.epochs", 201)));
    }

    @Test
    void theMaximaThemselvesPass() {
        LIMITS.check("p", TrainingPlan.newBuilder().setEpochs(200).setFinetuneEpochs(50).setBatchSize(512).setScratchBCap(4.0).build());
        LIMITS.check("d", DatasetRef.newBuilder().setTrainSubset(60_000).setTestSubset(60_000).build());
        LIMITS.check("p", TrainingPlan.getDefaultInstance());
        LIMITS.checkEpochs("e", 200);
        assertThrows(IllegalArgumentException.class, () -> new PlanLimits(0, 1, 1, 1, 1.0));
    }
}
