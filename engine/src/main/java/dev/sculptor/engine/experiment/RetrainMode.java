package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.ArchException;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a pruned model is retrained, after Liu et al. (ICLR 2019): fine-tune the inherited weights
 * with a small learning rate, or train the pruned architecture from a random initialisation for the
 * baseline's epochs (Scratch-E) or for the baseline's compute (Scratch-B). Lottery-ticket rewinding
 * (Frankle and Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
 * ICLR 2019) trains the pruned architecture (or masked network) from the baseline's own initial
 * weights, sliced with the pruning's keep map, for Scratch-E's budget.
 */
public enum RetrainMode {
    FINE_TUNE("fine-tune"),
    SCRATCH_E("scratch-e"),
    SCRATCH_B("scratch-b"),
    LOTTERY_TICKET("lottery-ticket");

    private final String id;

    RetrainMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Whether the mode starts from a fresh random initialisation (Scratch-E, Scratch-B). */
    public boolean fromScratch() {
        return this == SCRATCH_E || this == SCRATCH_B;
    }

    /** Whether the mode starts from the baseline's initial weights (lottery-ticket rewinding). */
    public boolean rewindsToInit() {
        return this == LOTTERY_TICKET;
    }

    public static RetrainMode parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (RetrainMode m : values()) {
            if (m.id.equals(k) || (m == FINE_TUNE && k.equals("finetune"))
                    || (m == LOTTERY_TICKET && (k.equals("lottery") || k.equals("lth")))) {
                return m;
            }
        }
        throw new ArchException("unknown retrain mode '" + s + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(RetrainMode::id).toList()) + ")");
    }
}
