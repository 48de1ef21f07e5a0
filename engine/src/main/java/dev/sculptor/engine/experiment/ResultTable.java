package dev.sculptor.engine.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.metrics.Latency;
import dev.sculptor.engine.prune.MethodDef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The table of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019): one row per model, accuracy as mean
 * and std over seeds, with the costs. Accuracy is the test accuracy of the weights after the last epoch (what
 * {@code metrics/Evaluator} measures once training ends), labelled so; the best epoch's test accuracy, where the
 * training history has one, is a separate column because it is selected on the test set. Params, FLOPs and epochs
 * are kept per seed: slimming's global threshold and Scratch-B's compute-matched epochs differ between seeds.
 */
public record ResultTable(JsonObject setup, List<Row> rows) {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** What the accuracy column is, for the JSON's setup and the Markdown's header. */
    static final String ACCURACY = "top-1 test accuracy of the weights after the last epoch";
    static final String BEST_ACCURACY = "best epoch's top-1 test accuracy (selected on the test set, so optimistic)";

    /**
     * One measured model of one seed.
     *
     * @param bestAccuracy highest per-epoch test accuracy in the training history; NaN without one
     * @param checkpoint where the model is saved (latency is measured from it after all training)
     * @param latency null until measured
     * @param scaleHistogram Network Slimming's pruned run only: the histogram of the BN scales at the end of sparsity
     *     training, as the pruning stored it in the checkpoint's manifest ({@code lineage.settings.scaleHistogram}, see
     *     {@code NetworkSlimming.ScaleHistogram#toJson}); null for every other run
     */
    public record Run(long seed, double accuracy, double bestAccuracy, double loss, long params, long flops, int epochs,
            double seconds, String checkpoint, Latency.Result latency, JsonObject scaleHistogram) {
        /** A run without a scale histogram (all but slimming's pruned row; {@link ResultTable#of} reads that one). */
        public Run(long seed, double accuracy, double bestAccuracy, double loss, long params, long flops, int epochs,
                double seconds, String checkpoint, Latency.Result latency) {
            this(seed, accuracy, bestAccuracy, loss, params, flops, epochs, seconds, checkpoint, latency, null);
        }

        public Run withSeconds(double s) {
            return new Run(seed, accuracy, bestAccuracy, loss, params, flops, epochs, s, checkpoint, latency, scaleHistogram);
        }

        public Run withLatency(Latency.Result l) {
            return new Run(seed, accuracy, bestAccuracy, loss, params, flops, epochs, seconds, checkpoint, l, scaleHistogram);
        }

        public Run withScaleHistogram(JsonObject h) {
            return new Run(seed, accuracy, bestAccuracy, loss, params, flops, epochs, seconds, checkpoint, latency, h);
        }
    }

    /**
     * A table row: aggregates of the runs (one per seed) of one model.
     *
     * @param accuracyStd sample std over seeds; null with one seed (undefined, not zero)
     * @param bestAccuracyMean null when no seed has a training history with test accuracy
     * @param params the params when every seed has the same, else null (see {@code paramsPerSeed}); so FLOPs, epochs
     * @param latencyMillis median over seeds of each seed's median single-image latency
     * @param latencyP10Millis lowest 10th percentile of the seeds' latencies; {@code latencyP90Millis} highest 90th
     * @param imagesPerSecond median over seeds of each seed's median throughput, spread likewise
     */
    public record Row(String model, int seeds, double accuracyMean, Double accuracyStd, Double bestAccuracyMean,
            double lossMean, Long params, Long flops, Integer epochs, List<Long> paramsPerSeed, List<Long> flopsPerSeed,
            List<Integer> epochsPerSeed, double secondsMean, Double latencyMillis, Double latencyP10Millis,
            Double latencyP90Millis, Double imagesPerSecond, Double imagesPerSecondP10, Double imagesPerSecondP90,
            List<Run> runs) {}

    /**
     * @param latency how latency and throughput were measured (null: not measured)
     * @param refused retrain modes that were refused, each with why and on which seed (in the setup and under the
     *     table); one refused after earlier seeds ran it still has their row
     */
    static ResultTable of(RethinkConfig cfg, Map<String, List<Run>> runs, String latency, Map<String, String> refused) {
        JsonObject setup = new JsonObject();
        setup.addProperty("arch", cfg.arch().name());
        setup.addProperty("dataset", cfg.data().name());
        setup.addProperty("trainSubset", cfg.data().trainSubset());
        setup.addProperty("testSubset", cfg.data().testSubset());
        setup.addProperty("method", cfg.method().name());
        setup.add("methodSettings", cfg.method().settings());
        setup.add("baseline", Rethink.settings(cfg.baseline()));
        setup.addProperty("finetuneEpochs", cfg.finetuneEpochs());
        setup.addProperty("finetuneLr", cfg.finetuneLr());
        if (cfg.scratchBCap() != null) {
            setup.addProperty("scratchBCap", cfg.scratchBCap());
        }
        setup.add("seeds", GSON.toJsonTree(cfg.seeds()));
        setup.add("modes", GSON.toJsonTree(cfg.modes().stream().map(RetrainMode::id).toList()));
        setup.addProperty("control", cfg.control());
        if (latency != null) {
            setup.addProperty("latency", latency);
        }
        if (!refused.isEmpty()) {
            setup.add("refusedModes", GSON.toJsonTree(refused));
        }
        return of(setup, runs);
    }

    /**
     * The rows of {@code runs} (row name to one run per seed, in order) under {@code setup}. The runs of the row
     * {@code pruned} get the scale histogram their checkpoint's manifest holds (Network Slimming's); one that is there
     * but cannot be read is named in the setup ({@code scaleHistogramsUnread}) and under the table, not fatal.
     */
    static ResultTable of(JsonObject setup, Map<String, List<Run>> runs) {
        JsonObject s = setup.deepCopy();
        s.addProperty("accuracy", ACCURACY);
        s.addProperty("bestAccuracy", BEST_ACCURACY);
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            List<Run> r = e.getValue();
            if (e.getKey().equals(PRUNED)) {
                r = withScaleHistograms(r, s);
            }
            rows.add(row(e.getKey(), r));
        }
        JsonArray machines = machinesOf(runs);
        if (!machines.isEmpty()) {
            s.add("trainedOn", machines);
        }
        return new ResultTable(s, rows);
    }

    /**
     * Every machine that trained a run of the table, as the checkpoints record it ({@code training.machines}, written
     * by the trainer), in order of first appearance. Runs from before that record, or unreadable ones, add nothing.
     */
    private static JsonArray machinesOf(Map<String, List<Run>> runs) {
        JsonArray out = new JsonArray();
        for (List<Run> row : runs.values()) {
            for (Run r : row) {
                if (r.checkpoint() == null) {
                    continue;
                }
                JsonObject training;
                try {
                    training = CheckpointDir.readManifest(Path.of(r.checkpoint())).training();
                } catch (RuntimeException e) {
                    continue;
                }
                if (training != null && training.has("machines")) {
                    training.getAsJsonArray("machines").forEach(m -> {
                        if (!out.contains(m)) {
                            out.add(m);
                        }
                    });
                }
            }
        }
        return out;
    }

    /** The row of the pruned, not retrained, model (as {@code Rethink} names it). */
    static final String PRUNED = "pruned";

    private static List<Run> withScaleHistograms(List<Run> runs, JsonObject setup) {
        List<Run> out = new ArrayList<>();
        for (Run r : runs) {
            if (r.scaleHistogram() != null || r.checkpoint() == null) {
                out.add(r);
                continue;
            }
            try {
                JsonObject h = storedScaleHistogram(Path.of(r.checkpoint()));
                out.add(h == null ? r : r.withScaleHistogram(h));
            } catch (RuntimeException e) {
                if (!setup.has("scaleHistogramsUnread")) {
                    setup.add("scaleHistogramsUnread", new JsonObject());
                }
                setup.getAsJsonObject("scaleHistogramsUnread").addProperty(String.valueOf(r.seed()), e.getMessage());
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The scale histogram a pruned checkpoint's manifest records ({@code lineage.settings.scaleHistogram}, written by
     * Network Slimming's plan), as stored; null when the checkpoint or the histogram is absent (other methods).
     *
     * @throws IllegalArgumentException naming the checkpoint and the field when the histogram is malformed
     */
    static JsonObject storedScaleHistogram(Path checkpoint) {
        if (!Files.exists(checkpoint.resolve(CheckpointDir.MANIFEST))) {
            return null;
        }
        Manifest m = CheckpointDir.readManifest(checkpoint);
        JsonObject how = m.lineage() == null ? null : m.lineage().settings();
        if (how == null || !how.has("scaleHistogram")) {
            return null;
        }
        String where = checkpoint + ": lineage.settings.scaleHistogram";
        if (!how.get("scaleHistogram").isJsonObject()) {
            throw new IllegalArgumentException(where + " is not an object");
        }
        JsonObject h = how.getAsJsonObject("scaleHistogram");
        for (String k : List.of("channels", "threshold", "below", "fractionBelow", "max")) {
            if (!h.has(k) || !h.get(k).isJsonPrimitive() || !h.get(k).getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(where + " has no number '" + k + "'");
            }
        }
        for (String k : List.of("edges", "counts")) {
            if (!h.has(k) || !h.get(k).isJsonArray()) {
                throw new IllegalArgumentException(where + " has no array '" + k + "'");
            }
        }
        int bins = h.getAsJsonArray("counts").size();
        if (bins == 0 || h.getAsJsonArray("edges").size() != bins + 1) {
            throw new IllegalArgumentException(where + " has " + h.getAsJsonArray("edges").size() + " edges for " + bins
                    + " counts (want counts + 1, counts >= 1)");
        }
        return h.deepCopy();
    }

    /**
     * A slimming run is judged not sparse when fewer of its scales are near zero than the fraction its cut removes
     * ({@code percent}): then the cut removes channels whose scales the sparsity training did not drive to zero, which
     * is magnitude pruning of BN scales, not slimming. The cut fraction is the setup's {@code methodSettings.percent},
     * else slimming's default.
     */
    double slimmingCut() {
        JsonObject ms = setup.has("methodSettings") && setup.get("methodSettings").isJsonObject()
                ? setup.getAsJsonObject("methodSettings") : new JsonObject();
        return ms.has("percent") ? ms.get("percent").getAsDouble() : MethodDef.NETWORK_SLIMMING.defaultPercent();
    }

    /** Whether a stored histogram has too few scales near zero for its run to count as slimming (see {@link #slimmingCut}). */
    boolean notSparse(JsonObject h) {
        return h.get("fractionBelow").getAsDouble() < slimmingCut();
    }

    /** The warning of the histogram's note. */
    static final String NOT_SLIMMING = "a slimming run without sparse scales is not slimming";

    static Row row(String model, List<Run> r) {
        if (r.isEmpty()) {
            throw new IllegalArgumentException("row " + model + " has no runs");
        }
        double mean = r.stream().mapToDouble(Run::accuracy).average().orElseThrow();
        Double std = null;
        if (r.size() > 1) {
            std = Math.sqrt(r.stream().mapToDouble(x -> (x.accuracy() - mean) * (x.accuracy() - mean)).sum() / (r.size() - 1));
        }
        double[] best = r.stream().mapToDouble(Run::bestAccuracy).filter(Double::isFinite).toArray();
        List<Long> params = r.stream().map(Run::params).toList();
        List<Long> flops = r.stream().map(Run::flops).toList();
        List<Integer> epochs = r.stream().map(Run::epochs).toList();
        List<Latency.Result> lat = r.stream().map(Run::latency).filter(l -> l != null).toList();
        boolean measured = lat.size() == r.size();
        return new Row(model, r.size(), mean, std,
                best.length == r.size() ? java.util.Arrays.stream(best).average().orElseThrow() : null,
                r.stream().mapToDouble(Run::loss).average().orElse(Double.NaN), same(params), same(flops), same(epochs),
                params, flops, epochs, r.stream().mapToDouble(Run::seconds).average().orElse(0),
                measured ? median(lat, Latency.Result::medianMillis) : null,
                measured ? lat.stream().mapToDouble(Latency.Result::p10Millis).min().orElseThrow() : null,
                measured ? lat.stream().mapToDouble(Latency.Result::p90Millis).max().orElseThrow() : null,
                measured ? median(lat, Latency.Result::imagesPerSecond) : null,
                measured ? lat.stream().mapToDouble(Latency.Result::imagesPerSecondP10).min().orElseThrow() : null,
                measured ? lat.stream().mapToDouble(Latency.Result::imagesPerSecondP90).max().orElseThrow() : null,
                List.copyOf(r));
    }

    private static <T> T same(List<T> values) {
        return values.stream().distinct().count() == 1 ? values.get(0) : null;
    }

    private static double median(List<Latency.Result> l, Function<Latency.Result, Double> f) {
        double[] v = l.stream().mapToDouble(f::apply).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    public Row row(String model) {
        return rows.stream().filter(r -> r.model().equals(model)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no row " + model));
    }

    public String toJson() {
        JsonObject o = GSON.toJsonTree(this).getAsJsonObject();
        o.add("comparisons", GSON.toJsonTree(comparisons()));
        return GSON.toJson(o);
    }

    /**
     * The accuracy of {@code row} minus that of {@code against}, paired by seed: a seed fixes the baseline, its initial
     * weights and the data order, so the per-seed difference removes what the seeds share, and its spread is what
     * decides whether the two differ (the rows' own stds mostly measure the seeds).
     *
     * @param question what the difference answers
     * @param seeds the seeds both rows have
     * @param std sample std of the per-seed differences; null with one seed
     */
    public record Comparison(String row, String against, String question, List<Long> seeds, double mean, Double std) {}

    /** The differences that bear on the paper's claim, in the order a reader asks them. */
    static final List<List<String>> PAIRS = List.of(
            List.of("fine-tune", "unpruned", "does fine-tuning the inherited weights recover the baseline?"),
            List.of("scratch-e", "fine-tune", "training the pruned architecture from scratch vs fine-tuning it (same "
                    + "architecture; the paper: scratch is no worse)"),
            List.of("scratch-b", "fine-tune", "from scratch with the baseline's compute vs fine-tuning"),
            List.of("scratch-b", "unpruned", "the pruned architecture from scratch vs the unpruned baseline"),
            List.of("scratch-b", Rethink.CONTROL, "the pruned vs the unpruned architecture, both trained for Scratch-B's "
                    + "epochs: is the gain over the baseline the architecture's or the epochs'?"),
            List.of(Rethink.CONTROL, "unpruned", "what the extra epochs alone give the unpruned model"),
            List.of("scratch-b", Rethink.CONTROL_PLAIN, "the pruned architecture vs the unpruned one trained without the "
                    + "baseline's penalty or soft pruning, both for Scratch-B's epochs"),
            List.of(Rethink.CONTROL_PLAIN, Rethink.CONTROL, "what the baseline's penalty or soft pruning costs the unpruned "
                    + "model in Scratch-B's epochs"),
            List.of("lottery-ticket", "scratch-e", "the baseline's own initial weights vs a fresh random initialisation"));

    /** The {@link #PAIRS} whose rows both exist, over the seeds they share. */
    public List<Comparison> comparisons() {
        List<Comparison> out = new ArrayList<>();
        for (List<String> p : PAIRS) {
            Row a = rows.stream().filter(r -> r.model().equals(p.get(0))).findFirst().orElse(null);
            Row b = rows.stream().filter(r -> r.model().equals(p.get(1))).findFirst().orElse(null);
            if (a == null || b == null) {
                continue;
            }
            Map<Long, Double> other = new java.util.LinkedHashMap<>();
            b.runs().forEach(r -> other.put(r.seed(), r.accuracy()));
            List<Long> seeds = new ArrayList<>();
            List<Double> d = new ArrayList<>();
            for (Run r : a.runs()) {
                if (other.containsKey(r.seed())) {
                    seeds.add(r.seed());
                    d.add(r.accuracy() - other.get(r.seed()));
                }
            }
            if (d.isEmpty()) {
                continue;
            }
            double mean = d.stream().mapToDouble(x -> x).average().orElseThrow();
            Double std = d.size() < 2 ? null
                    : Math.sqrt(d.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (d.size() - 1));
            out.add(new Comparison(p.get(0), p.get(1), p.get(2), List.copyOf(seeds), mean, std));
        }
        return out;
    }

    /** The columns of the paired differences, shared by results.md and report.html. */
    static final List<String> COMPARISON_COLUMNS = List.of("difference", "accuracy (pp), mean ± std over seeds",
            "seeds", "question");

    static List<String> cells(Comparison c) {
        return List.of(c.row() + " − " + c.against(), c.std() == null ? String.format("%+.2f ± n/a", 100 * c.mean())
                : String.format("%+.2f ± %.2f", 100 * c.mean(), 100 * c.std()), String.valueOf(c.seeds().size()),
                c.question());
    }

    /** The columns of the table, shared by results.md and report.html so that both show the same cells. */
    static final List<String> COLUMNS = List.of("model", "accuracy, last epoch (%)", "best epoch (%)", "params", "FLOPs",
            "epochs", "wall time (s)", "latency (ms), median [p10..p90]", "throughput (img/s), median [p10..p90]");

    /** One row's cells, in {@link #COLUMNS}' order, as printed. */
    static List<String> cells(Row r) {
        return List.of(r.model(),
                r.accuracyStd() == null ? String.format("%.2f ± n/a", 100 * r.accuracyMean())
                        : String.format("%.2f ± %.2f", 100 * r.accuracyMean(), 100 * r.accuracyStd()),
                r.bestAccuracyMean() == null ? "-" : String.format("%.2f", 100 * r.bestAccuracyMean()),
                range(r.paramsPerSeed()), range(r.flopsPerSeed()), range(r.epochsPerSeed()),
                String.format("%.1f", r.secondsMean()),
                r.latencyMillis() == null ? "-" : String.format("%.3f [%.3f..%.3f]", r.latencyMillis(),
                        r.latencyP10Millis(), r.latencyP90Millis()),
                r.imagesPerSecond() == null ? "-" : String.format("%,.0f [%,.0f..%,.0f]", r.imagesPerSecond(),
                        r.imagesPerSecondP10(), r.imagesPerSecondP90()));
    }

    /** What the table's numbers mean and which modes were not run: the lines under it, in results.md and report.html. */
    List<String> notes() {
        List<String> n = new ArrayList<>();
        n.add(String.format("accuracy: %s, mean ± sample std over seeds (n/a with one seed); best epoch: %s. "
                + "Params, FLOPs and epochs: min..max over seeds where they differ (each seed's in results.json).",
                ACCURACY, BEST_ACCURACY));
        if (setup.has("latency")) {
            n.add(String.format("latency and throughput: %s", setup.get("latency").getAsString()));
        }
        if (setup.has("trainedOn")) {
            List<String> m = setup.getAsJsonArray("trainedOn").asList().stream().map(e -> e.getAsString()).toList();
            n.add(String.format("trained on: %s%s", String.join(" | ", m), m.size() > 1
                    ? " (runs from different machines differ in their last digits, which training amplifies)" : ""));
        }
        if (rows.stream().anyMatch(r -> r.model().equals(RetrainMode.LOTTERY_TICKET.id()))) {
            n.add("lottery-ticket: the pruned model trained from the baseline's own initial weights (kept "
                    + "channels, or masks, of the initialisation; Frankle and Carbin 2019) for Scratch-E's epochs and schedule");
        }
        if (rows.stream().anyMatch(r -> r.model().equals(Rethink.CONTROL))) {
            n.add(Rethink.CONTROL + ": the control of Scratch-B, the unpruned model from the baseline's initial weights "
                    + "trained with the baseline's recipe for Scratch-B's epochs; Scratch-B is evidence for the pruned "
                    + "architecture only where it beats this row, not just the baseline");
        }
        if (rows.stream().anyMatch(r -> r.model().equals(Rethink.CONTROL_PLAIN))) {
            n.add(Rethink.CONTROL_PLAIN + ": the same control trained without the baseline's penalty or soft pruning (the "
                    + "method's hooks): " + Rethink.CONTROL + " carries what cost the baseline accuracy, this row does not");
        }
        n.addAll(scaleNotes());
        if (setup.has("refusedModes")) {
            // a mode refused after earlier seeds ran it keeps their row: say so beside it, not "not run"
            setup.getAsJsonObject("refusedModes").entrySet().forEach(e -> n.add(String.format("%s: %s (%s)",
                    rows.stream().anyMatch(r -> r.model().equals(e.getKey())) ? "run on fewer seeds" : "not run",
                    e.getKey(), e.getValue().getAsString())));
        }
        return n;
    }

    /**
     * Slimming's scales at the end of sparsity training: the fraction below the near-zero threshold per seed, and a
     * warning per seed where it is smaller than the cut ({@link #notSparse}); nothing for other methods.
     */
    List<String> scaleNotes() {
        List<String> n = new ArrayList<>();
        List<Run> runs = rows.stream().filter(r -> r.model().equals(PRUNED)).flatMap(r -> r.runs().stream())
                .filter(r -> r.scaleHistogram() != null).toList();
        if (!runs.isEmpty()) {
            StringBuilder sb = new StringBuilder("BN scales at the end of slimming's sparsity training (histograms per seed "
                    + "in results.json, pruned row's runs, scaleHistogram, and in report.html): fraction of |gamma| below the "
                    + "near-zero threshold");
            String sep = ": ";
            for (Run r : runs) {
                JsonObject h = r.scaleHistogram();
                sb.append(sep).append(String.format(java.util.Locale.ROOT, "seed %d %.1f%% (%d of %d below %s, largest %.4f)",
                        r.seed(), 100 * h.get("fractionBelow").getAsDouble(), h.get("below").getAsInt(),
                        h.get("channels").getAsInt(), h.get("threshold").getAsString(), h.get("max").getAsDouble()));
                sep = "; ";
            }
            n.add(sb.toString());
            for (Run r : runs) {
                JsonObject h = r.scaleHistogram();
                if (notSparse(h)) {
                    n.add(String.format(java.util.Locale.ROOT, "warning: seed %d: only %.1f%% of the BN scales are below %s, "
                            + "fewer than the %.0f%% of channels the cut removes: %s (train longer or with a larger lambda)",
                            r.seed(), 100 * h.get("fractionBelow").getAsDouble(), h.get("threshold").getAsString(),
                            100 * slimmingCut(), NOT_SLIMMING));
                }
            }
        }
        if (setup.has("scaleHistogramsUnread")) {
            setup.getAsJsonObject("scaleHistogramsUnread").entrySet().forEach(e -> n.add(String.format(
                    "scale histogram of seed %s not shown: %s", e.getKey(), e.getValue().getAsString())));
        }
        return n;
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s on %s, pruned with %s %s; baseline %s epochs; seeds %s%n%n",
                setup.get("arch").getAsString(), setup.get("dataset").getAsString(), setup.get("method").getAsString(),
                setup.get("methodSettings"), setup.getAsJsonObject("baseline").get("epochs"), setup.get("seeds")));
        sb.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n");
        sb.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append("| ").append(String.join(" | ", cells(r))).append(String.format(" |%n"));
        }
        for (String n : notes()) {
            sb.append(String.format("%n%s%n", n));
        }
        List<Comparison> cs = comparisons();
        if (!cs.isEmpty()) {
            sb.append(String.format("%nPaired by seed (each seed's difference, then mean ± sample std; percentage points):%n%n"));
            sb.append("| ").append(String.join(" | ", COMPARISON_COLUMNS)).append(" |\n");
            sb.append("| --- | ---: | ---: | --- |\n");
            for (Comparison c : cs) {
                sb.append("| ").append(String.join(" | ", cells(c))).append(String.format(" |%n"));
            }
        }
        return sb.toString();
    }

    /** One value when every seed has it, else min..max. */
    private static <T extends Number & Comparable<T>> String range(List<T> values) {
        T min = values.stream().min(T::compareTo).orElseThrow();
        T max = values.stream().max(T::compareTo).orElseThrow();
        return min.equals(max) ? String.format("%,d", min.longValue())
                : String.format("%,d..%,d", min.longValue(), max.longValue());
    }

    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.json"), toJson());
            Files.writeString(dir.resolve("results.md"), toMarkdown());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir + ": " + e.getMessage(), e);
        }
        // after the JSON and Markdown, which stand without it; it reads the checkpoints the runs name
        HtmlReport.write(dir, this);
    }
}
