package dev.sculptor.engine.train;

import java.util.Locale;

/** Learning rate as a function of training progress; plain functions, as schedules should be. */
@FunctionalInterface
public interface Schedule {
    /**
     * @param epoch 0-based epoch
     * @param progress fraction of the whole run completed, in [0, 1)
     */
    double lr(int epoch, double progress);

    /**
     * Liu et al. (ICLR 2019): x0.1 at 50% and 75% of the epochs. At epoch boundaries when the run is long enough
     * for both milestones to fall on distinct epochs after the first (3 epochs and more, as in the paper); in
     * shorter runs they would both fall on epoch 0 and the whole run would train at 1% of the rate, so there they
     * are placed at 50% and 75% of the steps instead.
     */
    static Schedule step(double base, int epochs) {
        int first = (int) (epochs * 0.5);
        int second = (int) (epochs * 0.75);
        if (first >= 1 && second > first) {
            return (epoch, progress) -> base * (epoch >= second ? 0.01 : epoch >= first ? 0.1 : 1.0);
        }
        return (epoch, progress) -> base * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1.0);
    }

    /** Cosine annealing to zero over the run (per step). */
    static Schedule cosine(double base) {
        return (epoch, progress) -> base * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    static Schedule constant(double base) {
        return (epoch, progress) -> base;
    }

    static Schedule named(String name, double base, int epochs) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "step" -> step(base, epochs);
            case "cosine" -> cosine(base);
            case "constant" -> constant(base);
            default -> throw new IllegalArgumentException("unknown schedule '" + name + "' (known: step, cosine, constant)");
        };
    }
}
