package dev.sculptor.engine.numerics;

import ai.djl.util.Utils;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.sculptor.engine.checkpoint.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel configuration this process computes with: the first of the candidates (fastest first) whose
 * {@link SelfCheck} is exact on this machine, or a refusal when none is. The verdict is cached per
 * {@link Machine#key() machine} beside libtorch's own files in DJL's cache directory, so the check runs once per
 * machine and libtorch build, and again whenever the CPU, the libtorch build, the thread count or the oneDNN/OpenMP
 * environment differ. Every network, so every service and command, uses it; {@code ./sculptor doctor} prints it.
 *
 * <p>{@code SCULPTOR_KERNELS} (or {@code -Dsculptor.kernels}) overrides: {@code auto} (default), {@code recheck}
 * (ignore the cached verdict), or {@code native} / {@code padded} to force a configuration unchecked (benchmarks).
 */
public final class Numerics {
    private static final Logger LOG = LoggerFactory.getLogger(Numerics.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static volatile Decision current;

    private Numerics() {}

    /** How the configuration is chosen. */
    public enum Mode {
        AUTO, RECHECK, NATIVE, PADDED;

        static Mode fromEnvironment() {
            String v = System.getProperty("sculptor.kernels", System.getenv("SCULPTOR_KERNELS"));
            if (v == null || v.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new NumericsException("SCULPTOR_KERNELS=" + v + " is not one of auto, recheck, native, padded");
            }
        }
    }

    /** One configuration tried and what its check found. */
    public record Trial(String config, boolean exact, String summary) {}

    /**
     * The verdict for a machine: the configuration chosen (null when every candidate computed wrongly), every
     * configuration tried, and where the verdict came from.
     */
    public record Decision(String machine, String key, KernelConfig chosen, List<Trial> trials, String source,
            String checkedAt) {
        public boolean refused() {
            return chosen == null;
        }

        /** The configuration, or the refusal as an exception naming what was wrong. */
        public KernelConfig configOrThrow() {
            if (chosen == null) {
                throw new NumericsException(refusal());
            }
            return chosen;
        }

        public String refusal() {
            StringBuilder sb = new StringBuilder("the kernels of this machine compute wrong results in every configuration tried ("
                    + machine + "): ");
            for (int i = 0; i < trials.size(); i++) {
                sb.append(i > 0 ? "; " : "").append(trials.get(i).config()).append(' ').append(trials.get(i).summary());
            }
            return sb.append(". Anything computed here would be wrong, so the engine refuses to compute. Try the environment"
                    + " variable ONEDNN_MAX_CPU_ISA=SSE41 (slower; exact where the others were not) or another machine,"
                    + " then ./sculptor doctor").toString();
        }

        /** The one-line summary: CPU, what was found, what is used. */
        public String line() {
            StringBuilder sb = new StringBuilder("numerics: ").append(machine).append(": ");
            for (Trial t : trials) {
                sb.append(t.config()).append(' ').append(t.exact() ? "exact" : "WRONG").append(", ");
            }
            sb.append(chosen == null ? "REFUSING to compute" : "using " + chosen.describe());
            return sb.append(" (").append(source).append(')').toString();
        }
    }

    /** The configuration to compute with; the first call establishes it (from the cache, or by checking). */
    public static KernelConfig config() {
        Decision d = current;
        return (d != null ? d : decision()).configOrThrow();
    }

    /** This process's verdict, established on first use. */
    public static synchronized Decision decision() {
        if (current == null) {
            current = establish(Mode.fromEnvironment());
            log(current);
        }
        return current;
    }

    /** Checks again, ignoring the cached verdict, and replaces it. */
    public static synchronized Decision recheck() {
        Mode m = Mode.fromEnvironment();
        current = establish(m == Mode.AUTO ? Mode.RECHECK : m);
        log(current);
        return current;
    }

    private static void log(Decision d) {
        if (d.refused()) {
            LOG.error(d.line() + ": " + d.refusal());
        } else {
            LOG.info(d.line());
        }
    }

    /**
     * Computes with {@code cfg} from now on in this process, unchecked (benchmarks compare configurations this
     * way; everything else takes the verdict of {@link #decision()}).
     */
    public static synchronized void use(KernelConfig cfg, String reason) {
        Machine machine = Machine.current();
        Threads.set(cfg.threads());
        current = new Decision(machine.describe(), machine.key(), cfg, List.of(), reason + ", not checked",
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** Where verdicts are cached: beside libtorch in DJL's cache directory ({@code DJL_CACHE_DIR}). */
    public static Path cacheDir() {
        return Utils.getCacheDir().resolve("sculptor-numerics");
    }

    private static Decision establish(Mode mode) {
        Machine machine = Machine.current();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        if (mode == Mode.NATIVE || mode == Mode.PADDED) {
            KernelConfig forced = mode == Mode.NATIVE ? KernelConfig.nativeKernels(machine.threads())
                    : KernelConfig.padded(machine.threads());
            return new Decision(machine.describe(), machine.key(), forced, List.of(),
                    "forced by SCULPTOR_KERNELS=" + mode.name().toLowerCase(Locale.ROOT) + ", not checked", now);
        }
        Path file = cacheDir().resolve(machine.key() + ".json");
        Decision d = mode == Mode.AUTO ? read(file, machine) : null;
        if (d == null) {
            d = choose(machine, candidates(machine), SelfCheck::run, now);
            write(file, d);
            d = new Decision(d.machine(), d.key(), d.chosen(), d.trials(), "checked now, saved to " + file, d.checkedAt());
        }
        Threads.set(d.chosen() != null ? d.chosen().threads() : machine.threads());
        return d;
    }

    /**
     * Tries the candidates in order and chooses the first whose check is exact; checks no further once one is.
     * Refuses (chosen null) when none is.
     */
    static Decision choose(Machine machine, List<KernelConfig> candidates, Function<KernelConfig, SelfCheck.Report> check,
            String now) {
        List<Trial> trials = new ArrayList<>();
        KernelConfig chosen = null;
        for (KernelConfig c : candidates) {
            SelfCheck.Report r = check.apply(c);
            trials.add(new Trial(c.id(), r.exact(), r.summary()));
            if (r.exact()) {
                chosen = c;
                break;
            }
        }
        return new Decision(machine.describe(), machine.key(), chosen, List.copyOf(trials), "checked now", now);
    }

    /**
     * Fastest first: the native kernels at the asked thread count, then with padded channels (costs extra
     * arithmetic on pruned widths only), then the same on one thread (the defect was seen to be thread-dependent).
     */
    static List<KernelConfig> candidates(Machine machine) {
        int t = machine.threads();
        LinkedHashSet<KernelConfig> c = new LinkedHashSet<>();
        c.add(KernelConfig.nativeKernels(t));
        c.add(KernelConfig.padded(t));
        if (machine.device().equals("cpu")) {
            c.add(KernelConfig.nativeKernels(1));
            c.add(KernelConfig.padded(1));
        }
        return List.copyOf(c);
    }

    /** A cached verdict for this machine, or null when there is none or it cannot be read (then it is redone). */
    static Decision read(Path file, Machine machine) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Decision d = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Decision.class);
            if (d == null || !machine.key().equals(d.key()) || d.trials() == null || d.trials().isEmpty()
                    || (d.chosen() != null && d.trials().stream().noneMatch(t -> t.exact() && t.config().equals(d.chosen().id())))) {
                LOG.warn("numerics: ignoring the cached verdict {}: it does not belong to this machine or is incomplete", file);
                return null;
            }
            return new Decision(d.machine(), d.key(), d.chosen(), d.trials(), "checked " + d.checkedAt() + ", cached in "
                    + file, d.checkedAt());
        } catch (IOException | RuntimeException e) { // Gson wraps a record's refusal of bad values
            LOG.warn("numerics: ignoring the unreadable cached verdict {}: {}", file, e.toString());
            return null;
        }
    }

    static void write(Path file, Decision d) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, GSON.toJson(d).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // The verdict still applies to this process; the next one checks again.
            LOG.warn("numerics: could not cache the verdict in {}: {}", file, e.toString());
        }
    }
}
