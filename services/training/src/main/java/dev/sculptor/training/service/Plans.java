package dev.sculptor.training.service;

import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.engine.train.TrainConfig;
import java.util.Locale;

/**
 * The contract's {@code TrainingPlan} to the engine's {@link TrainConfig}, with the defaults the
 * contract states: the reference CIFAR recipe of Liu et al. (lr 0.1, 0.05 for LeNet, momentum 0.9,
 * weight decay 1e-4, batch 64, step schedule, seed 1, augmentation on); fine-tuning uses
 * {@code finetune_learning_rate}, by default the rate the baseline's schedule ended with ({@link
 * Retraining#defaultFinetuneLr}), at a constant rate unless a schedule is given.
 */
public final class Plans {
    public static final int DEFAULT_BATCH = 64;

    private Plans() {}

    /** Epochs the run trains: the request's resolved count, else the plan's count for the mode; 0 when none is given. */
    public static int epochs(TrainingRequested r) {
        if (r.getEpochs() > 0) {
            return r.getEpochs();
        }
        TrainingPlan p = r.getPlan();
        if (r.getRetrainMode() == RetrainMode.FINE_TUNE && p.getFinetuneEpochs() > 0) {
            return p.getFinetuneEpochs();
        }
        return Math.max(0, p.getEpochs());
    }

    /**
     * @param family the architecture family (its default learning rate)
     * @throws IllegalArgumentException naming the bad setting
     */
    public static TrainConfig config(TrainingRequested r, int epochs, String family) {
        TrainingPlan p = r.getPlan();
        boolean fineTune = r.getRetrainMode() == RetrainMode.FINE_TUNE;
        if (p.getBatchSize() < 0) {
            throw new IllegalArgumentException("plan.batch_size: must be >= 0, got " + p.getBatchSize());
        }
        double lr;
        String schedule;
        double baselineLr = p.getLearningRate() > 0 ? p.getLearningRate() : "lenet".equals(family) ? 0.05 : 0.1;
        if (fineTune) {
            lr = p.getFinetuneLearningRate() > 0 ? p.getFinetuneLearningRate()
                    : Retraining.defaultFinetuneLr(baselineLr, schedule(p),
                            p.getEpochs() > 0 ? p.getEpochs() : Retraining.defaultEpochs(family));
            schedule = p.getSchedule() == TrainingPlan.Schedule.SCHEDULE_UNSPECIFIED ? "constant" : schedule(p);
        } else {
            lr = baselineLr;
            schedule = schedule(p);
        }
        try {
            return new TrainConfig(epochs, p.getBatchSize() == 0 ? DEFAULT_BATCH : p.getBatchSize(), lr,
                    p.hasMomentum() ? p.getMomentum() : 0.9, p.hasWeightDecay() ? p.getWeightDecay() : 1e-4, schedule,
                    p.hasSeed() ? p.getSeed() : 1, !p.hasAugment() || p.getAugment(), null, false, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("plan: " + e.getMessage(), e);
        }
    }

    private static String schedule(TrainingPlan p) {
        return switch (p.getSchedule()) {
            case SCHEDULE_UNSPECIFIED, STEP -> "step";
            case COSINE -> "cosine";
            case CONSTANT -> "constant";
            default -> throw new IllegalArgumentException("plan.schedule: unknown value " + p.getScheduleValue());
        };
    }

    /** The engine's id of a retrain mode ({@code fine-tune}, ...), or {@code train} for a plain run. */
    public static String methodId(RetrainMode m) {
        return m == RetrainMode.RETRAIN_MODE_UNSPECIFIED || m == RetrainMode.UNRECOGNIZED ? "train"
                : m.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
