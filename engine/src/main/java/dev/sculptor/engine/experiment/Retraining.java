package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.MethodDef;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.engine.prune.StructuredPruner;
import dev.sculptor.engine.train.TrainConfig;
import java.util.Map;

/**
 * Budgets and starting points of the retrain modes, as Liu et al. ("Rethinking the Value of Network Pruning", ICLR
 * 2019) define them: fine-tuning a quarter of the baseline's epochs at its final rate; Scratch-E the baseline's epochs; Scratch-B the
 * baseline's compute, i.e. its epochs times FLOPs(baseline) / FLOPs(pruned), never fewer than Scratch-E and at most a
 * cap times the baseline's epochs. The one home of these rules: the services ask here too.
 */
public final class Retraining {
    private Retraining() {}

    /** The reference recipes' baseline epochs when a plan gives none: CIFAR 160, LeNet on Fashion-MNIST 6. */
    public static int defaultEpochs(String family) {
        return "lenet".equals(family) ? 6 : 160;
    }

    /**
     * Fine-tuning epochs when none are given: a quarter of the baseline's, as the reference (40 of 160), at least one
     * (none for an untrained baseline). LeNet's 6 give 2.
     */
    public static int defaultFinetuneEpochs(int baselineEpochs) {
        if (baselineEpochs < 0) {
            throw new IllegalArgumentException("baseline epochs must be >= 0, got " + baselineEpochs);
        }
        return baselineEpochs == 0 ? 0 : (int) Math.max(1, Math.round(baselineEpochs / 4.0));
    }

    /**
     * The fine-tuning rate when none is given: the rate the baseline ended with, as the reference fine-tunes at 0.001
     * after a 0.1 step schedule. It is the rate of the baseline's last step, so a cosine baseline gives a small one.
     */
    public static double defaultFinetuneLr(TrainConfig baseline) {
        return defaultFinetuneLr(baseline.lr(), baseline.schedule(), baseline.epochs());
    }

    /** As {@link #defaultFinetuneLr(TrainConfig)}, from the baseline's rate, schedule name and epochs. */
    public static double defaultFinetuneLr(double baselineLr, String schedule, int baselineEpochs) {
        if (baselineEpochs < 0) {
            throw new IllegalArgumentException("baseline epochs must be >= 0, got " + baselineEpochs);
        }
        if (baselineEpochs == 0) {
            return baselineLr; // no schedule ran
        }
        int last = baselineEpochs - 1;
        // the start of the last epoch: where a step schedule has made its last drop; cosine is taken there too
        return dev.sculptor.engine.train.Schedule.named(schedule, baselineLr, baselineEpochs)
                .lr(last, (double) last / baselineEpochs);
    }

    /**
     * The epochs of a mode. Lottery-ticket rewinding gets Scratch-E's: the baseline's.
     *
     * @param flopsRatio FLOPs(original) / FLOPs(pruned), non-zero weights only for masked models
     * @param scratchBCap at most this multiple of the baseline epochs for Scratch-B (null: no cap); Scratch-B never
     *     trains fewer epochs than Scratch-E, whatever the cap
     */
    public static int epochs(RetrainMode mode, int baselineEpochs, int finetuneEpochs, double flopsRatio, Double scratchBCap) {
        return switch (mode) {
            case FINE_TUNE -> finetuneEpochs;
            case SCRATCH_E, LOTTERY_TICKET -> baselineEpochs;
            case SCRATCH_B -> scratchBCap == null ? computeMatched(baselineEpochs, flopsRatio)
                    : Math.max(baselineEpochs, Math.min(computeMatched(baselineEpochs, flopsRatio),
                            (int) Math.floor(baselineEpochs * scratchBCap)));
        };
    }

    /** Whether the cap cut Scratch-B's compute-matched epochs. */
    public static boolean capped(RetrainMode mode, int baselineEpochs, double flopsRatio, Double scratchBCap) {
        return mode == RetrainMode.SCRATCH_B && scratchBCap != null
                && computeMatched(baselineEpochs, flopsRatio) > baselineEpochs * scratchBCap;
    }

    /**
     * The baseline's compute in epochs of the pruned model, never fewer than the baseline's epochs. Floored as the
     * reference does ({@code int(epochs * ratio)}): Scratch-B never gets more compute than the baseline had.
     */
    private static int computeMatched(int baselineEpochs, double flopsRatio) {
        return Math.max(baselineEpochs, (int) Math.floor(baselineEpochs * flopsRatio));
    }

    /**
     * The training budget of one mode, recorded beside its result.
     *
     * @param flopsRatio FLOPs(original) / FLOPs(pruned), non-zero weights only for masked models
     * @param capped whether Scratch-B hit the cap
     */
    public record Budget(RetrainMode mode, int epochs, double lr, String schedule, double flopsRatio, boolean capped) {}

    /**
     * @param baselineEpochs epochs the unpruned model was trained for
     * @param scratchBCap at most this multiple of the baseline epochs for Scratch-B (null: no cap)
     */
    public static Budget budget(RetrainMode mode, TrainConfig baseline, int finetuneEpochs, double finetuneLr,
            ModelStats original, ModelStats pruned, Double scratchBCap) {
        double ratio = (double) original.flops() / Math.max(1, pruned.flops());
        int epochs = epochs(mode, baseline.epochs(), finetuneEpochs, ratio, scratchBCap);
        boolean capped = capped(mode, baseline.epochs(), ratio, scratchBCap);
        // fine-tuning at its own constant rate; the other modes with the baseline's rate and schedule
        return mode == RetrainMode.FINE_TUNE ? new Budget(mode, epochs, finetuneLr, "constant", ratio, false)
                : new Budget(mode, epochs, baseline.lr(), baseline.schedule(), ratio, capped);
    }

    /**
     * The network a mode starts from: a copy of the pruned one for fine-tuning; for scratch modes a
     * fresh random initialisation of the pruned architecture that keeps the pruned model's masks.
     * Lottery-ticket rewinding needs the baseline's initial weights: use the other overload.
     */
    public static Network start(RetrainMode mode, Network pruned, long seed) {
        if (mode.rewindsToInit()) {
            throw new IllegalArgumentException(mode.id() + " starts from the baseline's initial weights and the "
                    + "pruning's keep map: pass them");
        }
        return startFresh(mode, pruned, seed);
    }

    /**
     * As {@link #start(RetrainMode, Network, long)}, and for lottery-ticket rewinding (Frankle and
     * Carbin, ICLR 2019) the baseline's initial network cut like the pruned one: {@link #rewind}.
     *
     * @param init the unpruned network with the baseline's initial weights (used by lottery-ticket only)
     * @param kept the keep map of the pruning ({@link dev.sculptor.engine.prune.PruneResult#kept()})
     */
    public static Network start(RetrainMode mode, Network pruned, long seed, Network init, Map<String, int[]> kept) {
        return mode.rewindsToInit() ? rewind(init, pruned, kept) : startFresh(mode, pruned, seed);
    }

    /**
     * The lottery ticket: the initial network shrunk with the pruning's keep map ({@link
     * StructuredPruner#shrink}, so exactly the kept slices of the initial tensors), and for
     * weight-level pruning multiplied by the pruned model's masks, which it keeps. The result must
     * have the pruned model's architecture.
     */
    public static Network rewind(Network init, Network pruned, Map<String, int[]> kept) {
        if (init == null) {
            throw new IllegalArgumentException("lottery-ticket needs the baseline's initial weights");
        }
        Network net = StructuredPruner.shrink(init, kept, pruned.spec().name());
        try {
            if (!net.spec().equals(pruned.spec())) {
                throw new ArchException("lottery-ticket: the initial network (" + init.spec().name() + ") cut with the "
                        + "keep map is not the pruned architecture (" + pruned.spec().name() + "): is the init checkpoint "
                        + "the pruned model's unpruned ancestor?");
            }
            if (!pruned.masks().isEmpty()) {
                net.importMasks(pruned.exportMasks(), "pruned model");
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * The lottery ticket of a pruning that removed whole residual blocks (sparse structure selection): the initial
     * network without the same blocks, each kept block's initial scale folded into its branch as the pruning folds the
     * trained one. Well defined because such a pruning keeps every channel of what remains: only block identity needs
     * to be known, which the pruned checkpoint records ({@code removedBlocks} of its lineage settings).
     *
     * @param removedBlocks names of the removed blocks ({@code layer<stage>.<i>} of the unpruned network)
     */
    public static Network rewindBlocks(Network init, Network pruned, java.util.List<String> removedBlocks) {
        if (init == null) {
            throw new IllegalArgumentException("lottery-ticket needs the baseline's initial weights");
        }
        dev.sculptor.engine.arch.LayerGraph g = init.graph();
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.List<PrunePlan.Block> blocks = new java.util.ArrayList<>();
        for (int b = 0; b < init.spec().blocks().size(); b++) {
            String name = g.blockName(b);
            names.add(name);
            String scale = name + ".residual.scale";
            float s = init.tensorNames().contains(scale) ? init.array(scale).toFloatArray()[0] : 1f;
            blocks.add(new PrunePlan.Block(name, s, removedBlocks.contains(name)));
        }
        for (String r : removedBlocks) {
            if (!names.contains(r)) {
                throw new ArchException("lottery-ticket: removed block '" + r + "' is not a block of the initial network ("
                        + init.spec().name() + ")");
            }
        }
        PrunePlan plan = new PrunePlan(MethodDef.SPARSE_STRUCTURE_SELECTION.id(), init.spec().name(), pruned.spec().name(),
                new com.google.gson.JsonObject(), Map.of(), Map.of(), Map.of(), blocks, null, 0);
        Network net = plan.apply(init);
        if (!net.spec().equals(pruned.spec())) {
            net.close();
            throw new ArchException("lottery-ticket: the initial network (" + init.spec().name() + ") without blocks "
                    + removedBlocks + " is not the pruned architecture (" + pruned.spec().name() + ")");
        }
        return net;
    }

    private static Network startFresh(RetrainMode mode, Network pruned, long seed) {
        Network net = Network.create(pruned.spec(), seed, pruned.device());
        try {
            if (!mode.fromScratch()) {
                net.importTensors(pruned.exportTensors(), "pruned model");
            } else {
                scaleSparseInit(net, pruned);
            }
            if (!pruned.masks().isEmpty()) {
                net.importMasks(pruned.exportMasks(), "pruned model");
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * A masked conv layer trained from scratch starts with its initial std divided by sqrt(density), as the reference's
     * weight-level Scratch-E/B ({@code std = sqrt(2 / n)} with n the kept weights per input channel): each output then
     * keeps the variance a dense layer's would have. Convs only, as the reference; the masks are applied after.
     */
    private static void scaleSparseInit(Network net, Network pruned) {
        for (Map.Entry<String, ai.djl.ndarray.NDArray> e : pruned.masks().entrySet()) {
            ai.djl.ndarray.NDArray mask = e.getValue();
            if (mask.getShape().dimension() != 4) {
                continue;
            }
            double density = (double) pruned.nonZero(e.getKey()) / mask.getShape().size();
            if (density > 0 && density < 1) {
                net.array(e.getKey()).muli((float) (1 / Math.sqrt(density)));
            }
        }
    }

    public static TrainConfig config(Budget b, TrainConfig baseline) {
        return baseline.withEpochs(b.epochs()).withLr(b.lr(), b.schedule());
    }
}
