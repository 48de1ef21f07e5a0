package dev.sculptor.engine.train;

/**
 * One finished epoch.
 *
 * @param testAccuracy NaN when the run was not evaluated this epoch
 */
public record EpochStats(
        int epoch,
        int epochs,
        double lr,
        double trainLoss,
        double trainAccuracy,
        double testLoss,
        double testAccuracy,
        double seconds,
        double imagesPerSecond) {}
