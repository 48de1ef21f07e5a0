package dev.sculptor.platform.plans;

import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.platform.errors.PlatformException;
import java.util.Locale;

/**
 * The most a training plan may ask for, so that one request cannot hold a worker for months: checked
 * where prune jobs and training runs are created. Each limit is the operator's ({@code sculptor.plans.*},
 * {@link PlanLimitsProducer}); a refusal names the field, the maximum and the value.
 *
 * @param maxEpochs {@code plan.epochs} and a run's own {@code epochs}
 * @param maxFinetuneEpochs {@code plan.finetune_epochs}
 * @param maxBatchSize {@code plan.batch_size}
 * @param maxSubset {@code dataset.train_subset} and {@code dataset.test_subset}
 * @param maxScratchBCap {@code plan.scratch_b_cap} (Scratch-B trains up to this multiple of the epochs)
 */
public record PlanLimits(int maxEpochs, int maxFinetuneEpochs, int maxBatchSize, int maxSubset, double maxScratchBCap) {
    /** The defaults: ten times the reference CIFAR recipe's 160 epochs, and room for the full datasets. */
    public static final PlanLimits DEFAULT = new PlanLimits(1600, 1600, 4096, 1_000_000, 10.0);

    public PlanLimits {
        if (maxEpochs < 1 || maxFinetuneEpochs < 1 || maxBatchSize < 1 || maxSubset < 1 || !(maxScratchBCap >= 1)) {
            throw new IllegalArgumentException("plan limits must be >= 1: " + maxEpochs + ", " + maxFinetuneEpochs + ", "
                    + maxBatchSize + ", " + maxSubset + ", " + maxScratchBCap);
        }
    }

    /** Checks a plan's costly fields; {@code field} is the plan's path in the request, e.g. {@code prune_job.plan}. */
    public void check(String field, TrainingPlan p) {
        checkEpochs(field + ".epochs", p.getEpochs());
        atMost(field + ".finetune_epochs", p.getFinetuneEpochs(), maxFinetuneEpochs);
        atMost(field + ".batch_size", p.getBatchSize(), maxBatchSize);
        if (p.hasScratchBCap() && p.getScratchBCap() > maxScratchBCap) {
            throw PlatformException.invalid(field + ".scratch_b_cap", String.format(Locale.ROOT,
                    "must be at most %s (this service's maximum), got %s", fmt(maxScratchBCap), fmt(p.getScratchBCap())));
        }
    }

    /** Checks a dataset's subsets; {@code field} is the dataset's path in the request. */
    public void check(String field, DatasetRef d) {
        atMost(field + ".train_subset", d.getTrainSubset(), maxSubset);
        atMost(field + ".test_subset", d.getTestSubset(), maxSubset);
    }

    /** Checks a number of epochs given outside a plan (a run's own {@code epochs}). */
    public void checkEpochs(String field, int epochs) {
        atMost(field, epochs, maxEpochs);
    }

    private static void atMost(String field, long value, long max) {
        if (value > max) {
            throw PlatformException.invalid(field, "must be at most " + max + " (this service's maximum), got " + value);
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
