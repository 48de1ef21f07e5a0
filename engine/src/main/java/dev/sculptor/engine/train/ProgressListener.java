package dev.sculptor.engine.train;

/** Progress of a training run, for CLIs and services. */
public interface ProgressListener {
    /** Called every few steps with running averages over the epoch so far. */
    default void onStep(int epoch, int epochs, int step, int steps, double loss, double accuracy, double imagesPerSecond) {}

    default void onEpoch(EpochStats stats) {}

    ProgressListener NONE = new ProgressListener() {};
}
