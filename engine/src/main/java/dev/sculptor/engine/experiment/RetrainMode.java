package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.ArchException;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a pruned model is retrained, after Liu et al. (ICLR 2019): fine-tune the inherited weights
 * with a small learning rate, or train the pruned architecture from a random initialisation for the
 * baseline's epochs (Scratch-E) or for the baseline's compute (Scratch-B).
 */
public enum RetrainMode {
    FINE_TUNE("fine-tune"),
    SCRATCH_E("scratch-e"),
    SCRATCH_B("scratch-b");

    private final String id;

    RetrainMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean fromScratch() {
        return this != FINE_TUNE;
    }

    public static RetrainMode parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (RetrainMode m : values()) {
            if (m.id.equals(k) || (m == FINE_TUNE && k.equals("finetune"))) {
                return m;
            }
        }
        throw new ArchException("unknown retrain mode '" + s + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(RetrainMode::id).toList()) + ")");
    }
}
