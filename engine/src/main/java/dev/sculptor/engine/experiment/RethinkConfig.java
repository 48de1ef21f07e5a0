package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * One "Rethinking the Value of Network Pruning" experiment.
 *
 * @param arch the unpruned architecture
 * @param data where the images come from
 * @param method the pruning method
 * @param baseline training of the unpruned model (its epochs are Scratch-E's)
 * @param finetuneEpochs epochs of fine-tuning
 * @param finetuneLr constant learning rate of fine-tuning
 * @param scratchBCap Scratch-B trains at most this multiple of the baseline epochs (null: no cap)
 * @param modes retrain modes to run
 * @param seeds one full run per seed; accuracy is reported as mean and std over seeds
 * @param outDir checkpoints and results; an interrupted experiment resumes from it
 * @param control also train the unpruned model with the baseline's recipe for Scratch-B's epochs (row {@code
 *     unpruned-b}), so that "Scratch-B beats the baseline" can be told apart from "trained longer"; where the baseline
 *     trains with the method's hooks, also without them (row {@code unpruned-b-plain})
 * @param baselines where baselines that do not depend on the method live ({@code seed-<n>/baseline}, {@code
 *     seed-<n>/baseline-init}), shared by experiments of several methods; null: in {@code outDir}. Methods that train
 *     their own baseline (sparsity for slimming and SSS) keep theirs in {@code outDir} regardless.
 */
public record RethinkConfig(
        ArchSpec arch,
        DataSpec data,
        PruningMethod method,
        TrainConfig baseline,
        int finetuneEpochs,
        double finetuneLr,
        Double scratchBCap,
        List<RetrainMode> modes,
        List<Long> seeds,
        Path outDir,
        boolean control,
        Path baselines) {

    /** Without the control row, baselines in {@code outDir}. */
    public RethinkConfig(ArchSpec arch, DataSpec data, PruningMethod method, TrainConfig baseline, int finetuneEpochs,
            double finetuneLr, Double scratchBCap, List<RetrainMode> modes, List<Long> seeds, Path outDir) {
        this(arch, data, method, baseline, finetuneEpochs, finetuneLr, scratchBCap, modes, seeds, outDir, false, null);
    }

    /** Where this experiment's baseline of {@code seed} lives (see {@code baselines}). */
    public Path baselineDir(long seed) {
        Path root = baselines != null && method.baselineHooks().isEmpty() ? baselines : outDir;
        return root.resolve("seed-" + seed);
    }

    public RethinkConfig {
        modes = List.copyOf(modes);
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed is needed");
        }
        if (finetuneEpochs < 0) {
            throw new IllegalArgumentException("fine-tune epochs must be >= 0, got " + finetuneEpochs);
        }
    }
}
