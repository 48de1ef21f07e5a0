package dev.sculptor.cli;

import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The short words people type for the contract's enums ({@code l1}, {@code fine-tune}, {@code cosine}) and back. The
 * engine's ids ({@code l1-norm}, {@code network-slimming}) and the enum names ({@code L1_NORM}) are accepted too. An
 * unknown word is a usage error that names it and lists the known ones.
 */
final class Choices {
    private Choices() {}

    private static final Map<String, PruningMethod> METHODS = new LinkedHashMap<>();
    private static final Map<String, RetrainMode> MODES = new LinkedHashMap<>();
    private static final Map<String, TrainingPlan.Schedule> SCHEDULES = new LinkedHashMap<>();

    static {
        // The first word of each value is the one shown.
        method(PruningMethod.L1_NORM, "l1", "l1-norm");
        method(PruningMethod.THINET, "thinet");
        method(PruningMethod.REGRESSION, "regression", "channel-regression");
        method(PruningMethod.NETWORK_SLIMMING, "slimming", "network-slimming");
        method(PruningMethod.SPARSE_STRUCTURE_SELECTION, "sss", "sparse-structure-selection");
        method(PruningMethod.SOFT_FILTER_PRUNING, "sfp", "soft-filter-pruning");
        method(PruningMethod.WEIGHT_LEVEL, "weight", "weight-level");
        mode(RetrainMode.FINE_TUNE, "fine-tune", "finetune");
        mode(RetrainMode.SCRATCH_E, "scratch-e");
        mode(RetrainMode.SCRATCH_B, "scratch-b");
        mode(RetrainMode.LOTTERY_TICKET, "lottery-ticket", "lottery");
        SCHEDULES.put("step", TrainingPlan.Schedule.STEP);
        SCHEDULES.put("cosine", TrainingPlan.Schedule.COSINE);
        SCHEDULES.put("constant", TrainingPlan.Schedule.CONSTANT);
    }

    private static void method(PruningMethod m, String... words) {
        for (String w : words) {
            METHODS.put(w, m);
        }
        METHODS.put(m.name().toLowerCase(Locale.ROOT), m);
    }

    private static void mode(RetrainMode m, String... words) {
        for (String w : words) {
            MODES.put(w, m);
        }
        MODES.put(m.name().toLowerCase(Locale.ROOT), m);
    }

    /** The words shown in help and errors: l1, thinet, regression, slimming, sss, sfp, weight. */
    static final String METHOD_WORDS = "l1, thinet, regression, slimming, sss, sfp, weight";
    static final String MODE_WORDS = "fine-tune, scratch-e, scratch-b, lottery-ticket";
    static final String SCHEDULE_WORDS = "step, cosine, constant";

    static PruningMethod method(String s) {
        PruningMethod m = s == null ? null : METHODS.get(s.trim().toLowerCase(Locale.ROOT));
        if (m == null) {
            throw CliException.usage("unknown method '" + s + "' (one of " + METHOD_WORDS + ")");
        }
        return m;
    }

    static RetrainMode mode(String s) {
        RetrainMode m = s == null ? null : MODES.get(s.trim().toLowerCase(Locale.ROOT));
        if (m == null) {
            throw CliException.usage("unknown retrain mode '" + s + "' (one of " + MODE_WORDS + ")");
        }
        return m;
    }

    /** Modes from a list whose items may themselves be comma-separated ({@code --retrain a,b --retrain c}). */
    static List<RetrainMode> modes(List<String> words) {
        List<RetrainMode> modes = new ArrayList<>();
        for (String w : words) {
            for (String part : w.split(",", -1)) {
                RetrainMode m = mode(part);
                if (modes.contains(m)) {
                    throw CliException.usage("retrain mode '" + part.trim() + "' is given twice");
                }
                modes.add(m);
            }
        }
        return modes;
    }

    static TrainingPlan.Schedule schedule(String s) {
        TrainingPlan.Schedule v = s == null ? null : SCHEDULES.get(s.trim().toLowerCase(Locale.ROOT));
        if (v == null) {
            throw CliException.usage("unknown schedule '" + s + "' (one of " + SCHEDULE_WORDS + ")");
        }
        return v;
    }

    /** l1, thinet, ...; the enum's name for a value this CLI does not know. */
    static String word(PruningMethod m) {
        return firstWord(METHODS, m);
    }

    /** fine-tune, scratch-e, ...; "-" when unspecified. */
    static String word(RetrainMode m) {
        return m == RetrainMode.RETRAIN_MODE_UNSPECIFIED ? "-" : firstWord(MODES, m);
    }

    static String word(TrainingPlan.Schedule s) {
        return s == TrainingPlan.Schedule.SCHEDULE_UNSPECIFIED ? "step" : firstWord(SCHEDULES, s);
    }

    /** True for the methods whose global amount is {@code percent} rather than {@code ratio}. */
    static boolean usesPercent(PruningMethod m) {
        return m == PruningMethod.NETWORK_SLIMMING || m == PruningMethod.SPARSE_STRUCTURE_SELECTION
                || m == PruningMethod.WEIGHT_LEVEL;
    }

    private static <E extends Enum<E>> String firstWord(Map<String, E> map, E value) {
        return map.entrySet().stream().filter(e -> e.getValue() == value).map(Map.Entry::getKey).findFirst()
                .orElse(value.name());
    }
}
