package dev.sculptor.engine.train;

import java.nio.file.Path;

/**
 * Settings of one training run. Defaults follow the reference CIFAR recipe of Liu et al. (ICLR
 * 2019): SGD, momentum 0.9, weight decay 1e-4, lr 0.1 with the step schedule, batch 64.
 *
 * @param checkpointDir where per-epoch checkpoints go (null: none); with {@code resume}, a run
 *     finding a checkpoint there continues after its epoch
 */
public record TrainConfig(
        int epochs,
        int batchSize,
        double lr,
        double momentum,
        double weightDecay,
        String schedule,
        long seed,
        boolean augment,
        Path checkpointDir,
        boolean resume,
        boolean evaluateEachEpoch) {

    public TrainConfig {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        Schedule.named(schedule, lr, Math.max(epochs, 1));
    }

    public static TrainConfig defaults(int epochs) {
        return new TrainConfig(epochs, 64, 0.1, 0.9, 1e-4, "step", 1, true, null, false, true);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, lr, momentum, weightDecay, schedule, seed, augment, checkpointDir, resume,
                evaluateEachEpoch);
    }

    public TrainConfig withLr(double newLr, String newSchedule) {
        return new TrainConfig(epochs, batchSize, newLr, momentum, weightDecay, newSchedule, seed, augment,
                checkpointDir, resume, evaluateEachEpoch);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, lr, momentum, weightDecay, schedule, s, augment, checkpointDir,
                resume, evaluateEachEpoch);
    }

    public TrainConfig withCheckpoints(Path dir, boolean resumeIfPresent) {
        return new TrainConfig(epochs, batchSize, lr, momentum, weightDecay, schedule, seed, augment, dir,
                resumeIfPresent, evaluateEachEpoch);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(epochs, b, lr, momentum, weightDecay, schedule, seed, augment, checkpointDir, resume,
                evaluateEachEpoch);
    }

    public Schedule scheduleFunction() {
        return Schedule.named(schedule, lr, Math.max(epochs, 1));
    }
}
