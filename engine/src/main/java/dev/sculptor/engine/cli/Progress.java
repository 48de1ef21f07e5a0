package dev.sculptor.engine.cli;

import dev.sculptor.engine.train.EpochStats;
import dev.sculptor.engine.train.ProgressListener;
import java.io.PrintStream;

/** Progress of long steps on stderr: a live line on a terminal, one line per epoch otherwise. */
final class Progress implements ProgressListener {
    private final PrintStream out = System.err;
    private final boolean live = System.console() != null;
    private final boolean quiet;

    Progress(boolean quiet) {
        this.quiet = quiet;
    }

    @Override
    public void onStep(int epoch, int epochs, int step, int steps, double loss, double accuracy, double imagesPerSecond) {
        if (live && !quiet) {
            out.printf("\r  epoch %d/%d  step %d/%d  loss %.4f  acc %.2f%%  %,.0f img/s   ", epoch + 1, epochs, step, steps,
                    loss, 100 * accuracy, imagesPerSecond);
        }
    }

    @Override
    public void onEpoch(EpochStats s) {
        if (quiet) {
            return;
        }
        if (live) {
            out.print("\r");
        }
        out.printf("  epoch %d/%d  lr %.4g  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1f s  %,.0f img/s%n",
                s.epoch() + 1, s.epochs(), s.lr(), s.trainLoss(), 100 * s.trainAccuracy(), 100 * s.testAccuracy(),
                s.seconds(), s.imagesPerSecond());
    }
}
