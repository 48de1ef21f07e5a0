package dev.sculptor.cli;

import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.PruneJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A prune job's results side by side: the baseline ({@code baseline_metrics}), the pruned model before retraining
 * ({@code pruned_metrics}) and each retrained candidate, with test accuracy and loss, cost (FLOPs, parameters,
 * latency) and how much FLOPs and parameters each saves against the baseline. A value not measured (yet) is {@code -}.
 */
final class Results {
    private Results() {}

    static final String[] HEADER = {"MODEL", "VERSION", "EPOCHS", "ACCURACY", "LOSS", "FLOPS (M)", "PARAMS", "LATENCY (ms)",
        "FLOPS SAVED", "PARAMS SAVED"};

    /** The header, then one row per model: baseline, pruned, then the candidates in the job's order. */
    static List<String[]> rows(PruneJob job) {
        ModelMetrics base = job.getBaselineMetrics();
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        rows.add(row("baseline", job.getModelVersion(), 0, base, null));
        rows.add(row("pruned", job.getPrunedVersion(), 0, job.getPrunedMetrics(), base));
        for (PruneJob.Candidate c : job.getCandidatesList()) {
            String label = !c.getLabel().isEmpty() ? c.getLabel() : Choices.word(c.getRetrainMode());
            rows.add(row(label, c.getModelVersion(), c.getEpochs(), c.getMetrics(), base));
        }
        return rows;
    }

    static void print(PrintWriter out, PruneJob job) {
        Output.table(out, rows(job));
    }

    /** One row; {@code base} null for the baseline itself (no reduction against itself). */
    static String[] row(String label, String version, int epochs, ModelMetrics m, ModelMetrics base) {
        return new String[] {label, version.isEmpty() ? "-" : version, epochs > 0 ? Integer.toString(epochs) : "-",
            m.hasAccuracy() ? String.format(Locale.ROOT, "%.2f%%", 100 * m.getAccuracy()) : "-",
            m.hasLoss() ? String.format(Locale.ROOT, "%.4f", m.getLoss()) : "-",
            m.getFlops() > 0 ? String.format(Locale.ROOT, "%.2f", m.getFlops() / 1e6) : "-",
            params(m.getParams()),
            m.hasLatencyMs() ? String.format(Locale.ROOT, "%.2f", m.getLatencyMs()) : "-",
            base == null ? "-" : saved(m.getFlops(), base.getFlops()),
            base == null ? "-" : saved(m.getParams(), base.getParams())};
    }

    /** Parameters in thousands below a million ({@code 44.4K}), else in millions ({@code 1.23M}); 0 is not measured. */
    static String params(long n) {
        if (n <= 0) {
            return "-";
        }
        return n < 1_000_000 ? String.format(Locale.ROOT, "%.1fK", n / 1e3) : String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }

    /** {@code 1 - value / baseline} in percent; negative when the model grew; "-" when either is unknown. */
    static String saved(long value, long baseline) {
        if (value <= 0 || baseline <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * (1 - (double) value / baseline));
    }
}
