package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.metrics.Latency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables built from known runs: the numbers they must show are computed by hand below. */
class ResultTableTest {

    static JsonObject setup() {
        JsonObject s = new JsonObject();
        s.addProperty("arch", "lenet");
        s.addProperty("dataset", "fashion-mnist");
        s.addProperty("method", "slimming");
        s.add("methodSettings", new JsonObject());
        JsonObject base = new JsonObject();
        base.addProperty("epochs", 6);
        s.add("baseline", base);
        s.add("seeds", new JsonArray());
        return s;
    }

    static Latency.Result lat(double median, double p10, double p90, double ips) {
        return new Latency.Result(median, ips, 64, p10, p90, ips / 2, ips * 2, 5, 50, 10, 2);
    }

    static ResultTable.Run run(long seed, double acc, double best, long params, long flops, int epochs, Latency.Result l) {
        return new ResultTable.Run(seed, acc, best, 0.3, params, flops, epochs, 12.0, "seed-" + seed, l);
    }

    static JsonObject training(String... machines) {
        JsonObject t = new JsonObject();
        t.addProperty("epoch", 0);
        JsonArray m = new JsonArray();
        for (String s : machines) {
            m.add(s);
        }
        t.add("machines", m);
        return t;
    }

    /** The table names every machine that trained its runs (from their checkpoints), each once, in order of appearance. */
    @Test
    void namesTheMachinesThatTrainedItsRuns(@TempDir Path dir) {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (Network net = Network.create(Architectures.named("lenet", List.of(1, 28, 28), 10), 1)) {
            ModelCheckpoint.save(a, net, ModelCheckpoint.Info.EMPTY, training("cpu A; kernels x"), null);
            ModelCheckpoint.save(b, net, ModelCheckpoint.Info.EMPTY, training("cpu A; kernels x", "cpu B; kernels y"), null);
        }
        Map<String, List<ResultTable.Run>> one = new LinkedHashMap<>();
        one.put("unpruned", List.of(new ResultTable.Run(1, 0.9, 0.9, 0.3, 10, 20, 6, 1.0, a.toString(), null)));
        // a run whose checkpoint is gone (or from before the record) adds nothing and breaks nothing
        one.put("fine-tune", List.of(new ResultTable.Run(1, 0.9, 0.9, 0.3, 10, 20, 6, 1.0, dir.resolve("gone").toString(),
                null)));
        ResultTable t1 = ResultTable.of(setup(), one);
        assertEquals(List.of("cpu A; kernels x"), t1.setup().getAsJsonArray("trainedOn").asList().stream()
                .map(e -> e.getAsString()).toList());
        assertTrue(t1.toMarkdown().contains("trained on: cpu A; kernels x"), t1.toMarkdown());
        assertFalse(t1.toMarkdown().contains("different machines"), t1.toMarkdown());

        Map<String, List<ResultTable.Run>> two = new LinkedHashMap<>(one);
        two.put("scratch-e", List.of(new ResultTable.Run(1, 0.9, 0.9, 0.3, 10, 20, 6, 1.0, b.toString(), null)));
        ResultTable t2 = ResultTable.of(setup(), two);
        assertEquals(List.of("cpu A; kernels x", "cpu B; kernels y"), t2.setup().getAsJsonArray("trainedOn").asList()
                .stream().map(e -> e.getAsString()).toList());
        assertTrue(t2.toMarkdown().contains("trained on: cpu A; kernels x | cpu B; kernels y (runs from different machines"),
                t2.toMarkdown());
        // tables from before the record have none
        assertFalse(ResultTable.of(setup(), Map.of("unpruned", List.of(run(1, 0.9, 0.9, 10, 20, 6, null)))).setup()
                .has("trainedOn"));
    }

    /** One seed: the std is undefined, so "n/a", not "± 0.00"; everything else is that seed's. */
    @Test
    void oneSeedShowsNoStd() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("scratch-b", List.of(run(1, 0.9, 0.92, 1000, 5000, 23, lat(1.5, 1.2, 2.0, 4000))));
        ResultTable t = ResultTable.of(setup(), runs);
        ResultTable.Row r = t.row("scratch-b");
        assertNull(r.accuracyStd());
        assertEquals(0.92, r.bestAccuracyMean(), 1e-12);
        assertEquals(23, r.epochs());
        String md = t.toMarkdown();
        assertTrue(md.contains("| scratch-b | 90.00 ± n/a | 92.00 | 1,000 | 5,000 | 23 |"), md);
        assertFalse(md.contains("± 0.00"), md);
        assertTrue(md.contains("| 1.500 [1.200..2.000] | 4,000 [2,000..8,000] |"), md);
        JsonObject json = JsonParser.parseString(t.toJson()).getAsJsonObject();
        assertFalse(json.getAsJsonArray("rows").get(0).getAsJsonObject().has("accuracyStd"));
    }

    /**
     * Three seeds: accuracies 0.80, 0.82, 0.84 have mean 0.82 and sample std 0.02; FLOPs and epochs differ between
     * seeds (as slimming's threshold and Scratch-B's budget make them), params do not.
     */
    @Test
    void threeSeedsShowStdAndPerSeedCosts() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("pruned", List.of(run(1, 0.5, Double.NaN, 700, 3000, 0, lat(1, 0.9, 1.1, 100)),
                run(2, 0.5, Double.NaN, 700, 3000, 0, lat(1, 0.9, 1.1, 100)),
                run(3, 0.5, Double.NaN, 700, 3000, 0, lat(1, 0.9, 1.1, 100))));
        runs.put("scratch-b", List.of(run(1, 0.80, 0.81, 700, 3000, 20, lat(2.0, 1.8, 2.5, 300)),
                run(2, 0.82, 0.85, 700, 2800, 22, lat(1.0, 0.7, 1.2, 100)),
                run(3, 0.84, 0.86, 700, 3100, 19, lat(3.0, 2.9, 3.4, 200))));
        ResultTable t = ResultTable.of(setup(), runs);
        ResultTable.Row r = t.row("scratch-b");
        assertEquals(0.82, r.accuracyMean(), 1e-12);
        assertEquals(0.02, r.accuracyStd(), 1e-12);
        assertEquals(0.84, r.bestAccuracyMean(), 1e-12);
        assertEquals(700L, r.params());
        assertNull(r.flops(), "no single FLOPs when seeds differ");
        assertNull(r.epochs());
        assertEquals(List.of(3000L, 2800L, 3100L), r.flopsPerSeed());
        assertEquals(List.of(20, 22, 19), r.epochsPerSeed());
        // latency: median of the seeds' medians, lowest p10 .. highest p90
        assertEquals(2.0, r.latencyMillis(), 1e-12);
        assertEquals(0.7, r.latencyP10Millis(), 1e-12);
        assertEquals(3.4, r.latencyP90Millis(), 1e-12);
        assertEquals(200, r.imagesPerSecond(), 1e-12);

        String md = t.toMarkdown();
        assertTrue(md.contains("| scratch-b | 82.00 ± 2.00 | 84.00 | 700 | 2,800..3,100 | 19..22 |"), md);
        assertTrue(md.contains("| pruned | 50.00 ± 0.00 | - | 700 | 3,000 | 0 |"), md);
        assertTrue(md.contains("accuracy, last epoch (%)"), md);
        assertTrue(md.contains(ResultTable.ACCURACY), md);

        JsonObject json = JsonParser.parseString(t.toJson()).getAsJsonObject();
        assertEquals(ResultTable.ACCURACY, json.getAsJsonObject("setup").get("accuracy").getAsString());
        JsonObject row = json.getAsJsonArray("rows").get(1).getAsJsonObject();
        assertEquals("[3000,2800,3100]", row.get("flopsPerSeed").toString());
        assertEquals("[20,22,19]", row.get("epochsPerSeed").toString());
        assertFalse(row.has("flops"));
        assertEquals(3, row.getAsJsonArray("runs").size());
        assertEquals(2, row.getAsJsonArray("runs").get(1).getAsJsonObject().get("seed").getAsInt());
    }

    /**
     * Paired differences: Scratch-B beats the baseline by 1, 2, 3 points on seeds 1..3 but the control by -0.5, 0.5, 0
     * (mean 0, std 0.5); the control's seed 4 has no Scratch-B partner and is left out; rows that are absent (no
     * lottery ticket) give no line.
     */
    @Test
    void pairedDifferencesSubtractEachSeedsOwnPartner() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("unpruned", List.of(run(1, 0.80, 0.80, 900, 9000, 12, null), run(2, 0.90, 0.90, 900, 9000, 12, null),
                run(3, 0.70, 0.70, 900, 9000, 12, null)));
        runs.put("fine-tune", List.of(run(1, 0.79, 0.79, 300, 3000, 3, null), run(2, 0.89, 0.89, 300, 3000, 3, null),
                run(3, 0.69, 0.69, 300, 3000, 3, null)));
        runs.put("scratch-b", List.of(run(1, 0.81, 0.81, 300, 3000, 24, null), run(2, 0.92, 0.92, 300, 3000, 24, null),
                run(3, 0.73, 0.73, 300, 3000, 24, null)));
        runs.put(Rethink.CONTROL, List.of(run(1, 0.815, 0.815, 900, 9000, 24, null),
                run(2, 0.915, 0.915, 900, 9000, 24, null), run(3, 0.73, 0.73, 900, 9000, 24, null),
                run(4, 0.10, 0.10, 900, 9000, 24, null)));
        ResultTable t = ResultTable.of(setup(), runs);
        Map<String, ResultTable.Comparison> c = new LinkedHashMap<>();
        t.comparisons().forEach(x -> c.put(x.row() + "/" + x.against(), x));
        assertEquals(List.of("fine-tune/unpruned", "scratch-b/fine-tune", "scratch-b/unpruned",
                "scratch-b/" + Rethink.CONTROL, Rethink.CONTROL + "/unpruned"), List.copyOf(c.keySet()));
        ResultTable.Comparison ft = c.get("fine-tune/unpruned");
        assertEquals(-0.01, ft.mean(), 1e-12);
        assertEquals(0, ft.std(), 1e-12, "the same loss on every seed: no spread, though the rows' stds are 10 points");
        ResultTable.Comparison sb = c.get("scratch-b/unpruned");
        assertEquals(0.02, sb.mean(), 1e-12);
        assertEquals(0.01, sb.std(), 1e-12);
        ResultTable.Comparison ctl = c.get("scratch-b/" + Rethink.CONTROL);
        assertEquals(List.of(1L, 2L, 3L), ctl.seeds());
        assertEquals(0, ctl.mean(), 1e-12);
        assertEquals(0.005, ctl.std(), 1e-12);
        String md = t.toMarkdown();
        assertTrue(md.contains("| scratch-b − unpruned | +2.00 ± 1.00 | 3 |"), md);
        assertTrue(md.contains("| scratch-b − " + Rethink.CONTROL + " | +0.00 ± 0.50 | 3 |"), md);
        assertTrue(md.contains("| fine-tune − unpruned | -1.00 ± 0.00 | 3 |"), md);
        JsonObject json = JsonParser.parseString(t.toJson()).getAsJsonObject();
        assertEquals(5, json.getAsJsonArray("comparisons").size());
        assertEquals(0.02, json.getAsJsonArray("comparisons").get(2).getAsJsonObject().get("mean").getAsDouble(), 1e-12);
        // one seed: a difference but no spread
        Map<String, List<ResultTable.Run>> one = new LinkedHashMap<>();
        one.put("unpruned", List.of(run(1, 0.80, 0.80, 900, 9000, 12, null)));
        one.put("fine-tune", List.of(run(1, 0.75, 0.75, 300, 3000, 3, null)));
        ResultTable t1 = ResultTable.of(setup(), one);
        assertNull(t1.comparisons().get(0).std());
        assertTrue(t1.toMarkdown().contains("| fine-tune − unpruned | -5.00 ± n/a | 1 |"), t1.toMarkdown());
    }

    @Test
    void unmeasuredLatencyShowsADash() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("unpruned", List.of(run(1, 0.9, 0.9, 10, 20, 6, null)));
        ResultTable t = ResultTable.of(setup(), runs);
        assertNull(t.row("unpruned").latencyMillis());
        assertTrue(t.toMarkdown().contains("| 12.0 | - | - |"), t.toMarkdown());
        assertThrows(IllegalArgumentException.class, () -> ResultTable.row("empty", List.of()));
    }

    /**
     * A histogram in the format {@code NetworkSlimming.ScaleHistogram#toJson} writes: 20 channels, {@code below} of them
     * in the first bin [0, 0.01), the rest one per following bin, edges 0, 0.01, .., 0.2.
     */
    static JsonObject histogram(int below) {
        JsonObject h = new JsonObject();
        JsonArray edges = new JsonArray();
        JsonArray counts = new JsonArray();
        for (int i = 0; i <= 20; i++) {
            edges.add(i / 100.0);
        }
        for (int i = 0; i < 20; i++) {
            counts.add(i == 0 ? below : i <= 20 - below ? 1 : 0);
        }
        h.add("edges", edges);
        h.add("counts", counts);
        h.addProperty("channels", 20);
        h.addProperty("threshold", 0.01);
        h.addProperty("below", below);
        h.addProperty("fractionBelow", below / 20.0);
        h.addProperty("max", 0.2);
        return h;
    }

    /** A pruned checkpoint whose lineage records {@code settings} (the network's weights do not matter here). */
    static Path prunedCheckpoint(Path dir, JsonObject settings) {
        try (Network net = Network.create(Architectures.named("lenet", List.of(1, 28, 28), 10), 1)) {
            ModelCheckpoint.save(dir, net, new ModelCheckpoint.Info(new Manifest.Lineage("baseline", "network-slimming",
                    settings), Map.of()), null, null);
        }
        return dir;
    }

    static JsonObject slimmingSettings(double percent, JsonObject histogram) {
        JsonObject s = new JsonObject();
        s.addProperty("percent", percent);
        s.addProperty("lambda", 1e-4);
        if (histogram != null) {
            s.add("scaleHistogram", histogram);
        }
        return s;
    }

    /**
     * Slimming's scale histograms: read from each seed's pruned checkpoint into results.json unchanged, summarised under
     * the Markdown table with the stored numbers, and a warning exactly for the seeds with fewer scales near zero than
     * the cut (percent 0.5) removes: 15 of 20 (75%) and 10 of 20 (50%, as many as the cut) pass, 9 of 20 (45%) warns.
     */
    @Test
    void slimmingScaleHistogramsAreShownWithAWarningWhereTheScalesAreNotSparse(@TempDir Path dir) {
        int[] below = {15, 10, 9};
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        List<ResultTable.Run> pruned = new java.util.ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            Path cp = prunedCheckpoint(dir.resolve("seed-" + s + "/pruned"), slimmingSettings(0.5, histogram(below[s - 1])));
            pruned.add(new ResultTable.Run(s, 0.5, Double.NaN, 0.3, 700, 3000, 0, 1.0, cp.toString(), null));
        }
        runs.put("unpruned", List.of(run(1, 0.9, 0.9, 1000, 5000, 6, null), run(2, 0.9, 0.9, 1000, 5000, 6, null),
                run(3, 0.9, 0.9, 1000, 5000, 6, null)));
        runs.put("pruned", pruned);
        JsonObject setup = setup();
        setup.add("methodSettings", slimmingSettings(0.5, null));
        ResultTable t = ResultTable.of(setup, runs);

        // results.json: each pruned run carries its own stored histogram, no other run one
        JsonObject json = JsonParser.parseString(t.toJson()).getAsJsonObject();
        JsonArray prunedRuns = json.getAsJsonArray("rows").get(1).getAsJsonObject().getAsJsonArray("runs");
        for (int s = 1; s <= 3; s++) {
            assertEquals(histogram(below[s - 1]), prunedRuns.get(s - 1).getAsJsonObject().getAsJsonObject("scaleHistogram"));
        }
        json.getAsJsonArray("rows").get(0).getAsJsonObject().getAsJsonArray("runs")
                .forEach(r -> assertFalse(r.getAsJsonObject().has("scaleHistogram")));

        String md = t.toMarkdown();
        assertTrue(md.contains("seed 1 75.0% (15 of 20 below 0.01, largest 0.2000)"), md);
        assertTrue(md.contains("seed 2 50.0% (10 of 20 below 0.01, largest 0.2000)"), md);
        assertTrue(md.contains("seed 3 45.0% (9 of 20 below 0.01, largest 0.2000)"), md);
        assertEquals(1, md.split(ResultTable.NOT_SLIMMING, -1).length - 1, md);
        assertTrue(md.contains("warning: seed 3: only 45.0% of the BN scales are below 0.01, fewer than the 50% "), md);
        assertFalse(md.contains("warning: seed 1") || md.contains("warning: seed 2"), md);
    }

    /** Other methods record no histogram: no line; a malformed one is named under the table, and the table still comes. */
    @Test
    void noHistogramNoLineAndAMalformedOneIsNamed(@TempDir Path dir) {
        JsonObject bad = histogram(5);
        bad.remove("fractionBelow");
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("pruned", List.of(new ResultTable.Run(1, 0.5, Double.NaN, 0.3, 7, 30, 0, 1.0,
                prunedCheckpoint(dir.resolve("a"), slimmingSettings(0.5, null)).toString(), null)));
        ResultTable plain = ResultTable.of(setup(), runs);
        assertNull(plain.row("pruned").runs().get(0).scaleHistogram());
        assertFalse(plain.toMarkdown().contains("BN scales"), plain.toMarkdown());

        runs.put("pruned", List.of(new ResultTable.Run(1, 0.5, Double.NaN, 0.3, 7, 30, 0, 1.0,
                prunedCheckpoint(dir.resolve("b"), slimmingSettings(0.5, bad)).toString(), null)));
        ResultTable t = ResultTable.of(setup(), runs);
        assertNull(t.row("pruned").runs().get(0).scaleHistogram());
        String md = t.toMarkdown();
        assertTrue(md.contains("scale histogram of seed 1 not shown: " + dir.resolve("b")
                + ": lineage.settings.scaleHistogram has no number 'fractionBelow'"), md);
        assertTrue(Files.exists(dir.resolve("b").resolve("manifest.json")));
    }
}
