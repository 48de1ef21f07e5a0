package dev.sculptor.cli;

import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.engine.prune.MethodDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The short words people type for the contract's enums ({@code l1}, {@code fine-tune}, {@code cosine}) and back. The
 * engine's ids ({@code l1-norm}, {@code network-slimming}) and the enum names ({@code L1_NORM}) are accepted too. An
 * unknown word is a usage error that names it and lists the known ones. Methods are the engine's registry
 * ({@link MethodDef}): its names, words and amounts, mapped to the contract's enum by name.
 */
final class Choices {
    private Choices() {}

    private static final Map<String, RetrainMode> MODES = new LinkedHashMap<>();
    private static final Map<String, TrainingPlan.Schedule> SCHEDULES = new LinkedHashMap<>();

    static {
        // The first word of each value is the one shown.
        mode(RetrainMode.FINE_TUNE, "fine-tune", "finetune");
        mode(RetrainMode.SCRATCH_E, "scratch-e");
        mode(RetrainMode.SCRATCH_B, "scratch-b");
        mode(RetrainMode.LOTTERY_TICKET, "lottery-ticket", "lottery");
        SCHEDULES.put("step", TrainingPlan.Schedule.STEP);
        SCHEDULES.put("cosine", TrainingPlan.Schedule.COSINE);
        SCHEDULES.put("constant", TrainingPlan.Schedule.CONSTANT);
    }

    private static void mode(RetrainMode m, String... words) {
        for (String w : words) {
            MODES.put(w, m);
        }
        MODES.put(m.name().toLowerCase(Locale.ROOT), m);
    }

    /**
     * The words shown in help and errors: {@link MethodDef#words()}, spelt out because annotations take only constants
     * ({@code ChoicesTest} holds the two equal).
     */
    static final String METHOD_WORDS = "l1, thinet, regression, slimming, sss, sfp, weight";
    static final String MODE_WORDS = "fine-tune, scratch-e, scratch-b, lottery-ticket";
    static final String SCHEDULE_WORDS = "step, cosine, constant";

    static PruningMethod method(String s) {
        return MethodDef.find(s).map(d -> PruningMethod.valueOf(d.name()))
                .orElseThrow(() -> CliException.usage("unknown method '" + s + "' (one of " + METHOD_WORDS + ")"));
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
        return MethodDef.find(m.name()).map(MethodDef::word).orElse(m.name());
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
        return MethodDef.find(m.name()).map(d -> d.amount() == MethodDef.Amount.PERCENT).orElse(false);
    }

    private static <E extends Enum<E>> String firstWord(Map<String, E> map, E value) {
        return map.entrySet().stream().filter(e -> e.getValue() == value).map(Map.Entry::getKey).findFirst()
                .orElse(value.name());
    }
}
