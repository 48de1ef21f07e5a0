package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.cli.EngineCli;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.WeightLevelPruning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report read back: the SVG elements carry their data as attributes, so the test parses them and compares
 * them with the constructed inputs, whose values are known in advance.
 */
class HtmlReportTest {
    private static final Pattern TAG = Pattern.compile("<(circle|rect|polyline|g|line)\\s([^>]*)>");
    private static final Pattern ATTR = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");

    /** Every element of the given tag and class, as its attribute map (values still escaped). */
    static List<Map<String, String>> elements(String html, String tag, String cls) {
        List<Map<String, String>> out = new ArrayList<>();
        Matcher m = TAG.matcher(html);
        while (m.find()) {
            if (!m.group(1).equals(tag)) {
                continue;
            }
            Map<String, String> a = new HashMap<>();
            Matcher am = ATTR.matcher(m.group(2));
            while (am.find()) {
                a.put(am.group(1), am.group(2));
            }
            if (cls.equals(a.get("class"))) {
                out.add(a);
            }
        }
        return out;
    }


    static ResultTable.Run run(long seed, double acc, long flops, int epochs) {
        return new ResultTable.Run(seed, acc, Double.NaN, 0.4, flops / 10, flops, epochs, 3.0, "nowhere/seed-" + seed, null);
    }

    /** Epochs 1..n with test accuracy 0.5 + epoch/100 (NaN at {@code gap}), test loss 1/epoch, training loss 2/epoch. */
    static HtmlReport.Curve curve(long seed, int n, int gap) {
        List<HtmlReport.Point> p = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            p.add(new HtmlReport.Point(e, e == gap ? Double.NaN : 0.5 + e / 100.0, 1.0 / e, 2.0 / e));
        }
        return new HtmlReport.Curve(seed, p);
    }

    /** Two seeds, three modes, FLOPs and epochs differing between seeds where slimming and Scratch-B make them. */
    static Map<String, List<ResultTable.Run>> runs() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("unpruned", List.of(run(1, 0.90, 1_000_000, 4), run(2, 0.92, 1_000_000, 4)));
        runs.put("pruned", List.of(run(1, 0.30, 400_000, 0), run(2, 0.35, 420_000, 0)));
        runs.put("fine-tune", List.of(run(1, 0.88, 400_000, 2), run(2, 0.89, 420_000, 2)));
        runs.put("scratch-e", List.of(run(1, 0.86, 400_000, 4), run(2, 0.87, 420_000, 4)));
        runs.put("scratch-b", List.of(run(1, 0.91, 400_000, 10), run(2, 0.90, 420_000, 9)));
        return runs;
    }

    static HtmlReport.Report report(ResultTable t) {
        Map<String, List<HtmlReport.Curve>> curves = new LinkedHashMap<>();
        curves.put("unpruned", List.of(curve(1, 4, 0), curve(2, 4, 0)));
        curves.put("fine-tune", List.of(curve(1, 2, 0), curve(2, 2, 0)));
        curves.put("scratch-e", List.of(curve(1, 4, 0), curve(2, 4, 3)));
        curves.put("scratch-b", List.of(curve(1, 10, 0), curve(2, 9, 0)));
        List<HtmlReport.Pruning> pruning = List.of(
                new HtmlReport.Pruning(1, List.of(new HtmlReport.LayerWidth("features.0.conv", 32, 16, Double.NaN),
                        new HtmlReport.LayerWidth("features.1.conv", 64, 30, Double.NaN)), List.of()),
                new HtmlReport.Pruning(2, List.of(new HtmlReport.LayerWidth("features.0.conv", 32, 17, Double.NaN),
                        new HtmlReport.LayerWidth("features.1.conv", 64, 31, Double.NaN)), List.of()));
        return new HtmlReport.Report(t, curves, pruning, List.of());
    }

    @Test
    void plotsEveryRunEveryWidthAndEveryEpochOfAConstructedResult() {
        ResultTable t = ResultTable.of(ResultTableTest.setup(), runs());
        String html = HtmlReport.render(report(t));

        // one dot per run, at that run's FLOPs and accuracy
        List<Map<String, String>> dots = elements(html, "circle", "run");
        Set<String> want = new HashSet<>();
        runs().forEach((row, rs) -> rs.forEach(r -> want.add(row + "/" + r.seed() + "/" + r.flops() + "/" + r.accuracy())));
        Set<String> got = new HashSet<>();
        for (Map<String, String> d : dots) {
            got.add(d.get("data-row") + "/" + d.get("data-seed") + "/" + d.get("data-flops") + "/"
                    + Double.parseDouble(d.get("data-accuracy")));
        }
        assertEquals(10, dots.size());
        assertEquals(want, got);
        // each row's mean and std are the table's: scratch-e 0.865 ± 0.00707 (sample std of 0.86 and 0.87)
        Map<String, Map<String, String>> means = new HashMap<>();
        elements(html, "g", "mean").forEach(g -> means.put(g.get("data-row"), g));
        assertEquals(5, means.size());
        assertEquals(0.865, Double.parseDouble(means.get("scratch-e").get("data-accuracy-mean")), 1e-12);
        assertEquals(Math.sqrt(0.00005), Double.parseDouble(means.get("scratch-e").get("data-accuracy-std")), 1e-12);
        // the baseline is marked at its mean
        List<Map<String, String>> base = elements(html, "line", "baseline");
        assertEquals(1, base.size());
        assertEquals(0.91, Double.parseDouble(base.get(0).get("data-accuracy-mean")), 1e-12);

        // widths: the unpruned channels once per layer, each seed's pruned channels
        Map<String, String> widths = new HashMap<>();
        elements(html, "rect", "width").forEach(r -> widths.put(r.get("data-layer") + "/" + r.get("data-seed"),
                r.get("data-channels")));
        assertEquals(Map.of("features.0.conv/unpruned", "32", "features.0.conv/1", "16", "features.0.conv/2", "17",
                "features.1.conv/unpruned", "64", "features.1.conv/1", "30", "features.1.conv/2", "31"), widths);

        // curves: one point per epoch with a value; scratch-e seed 2 lacks epoch 3's test accuracy, not its loss
        Map<String, Integer> points = new HashMap<>();
        elements(html, "polyline", "series").forEach(p -> {
            String[] xy = p.get("points").trim().split("\\s+");
            assertEquals(Integer.parseInt(p.get("data-points")), xy.length, "points of " + p);
            points.put(p.get("data-row") + "/" + p.get("data-seed") + "/" + p.get("data-metric"), xy.length);
        });
        assertEquals(4 * 2 * 3, points.size(), "4 rows with history x 2 seeds x (test accuracy, test loss, training loss)");
        assertEquals(4, points.get("unpruned/1/test-accuracy"));
        assertEquals(2, points.get("fine-tune/2/test-loss"));
        assertEquals(3, points.get("scratch-e/2/test-accuracy"));
        assertEquals(4, points.get("scratch-e/2/test-loss"));
        assertEquals(10, points.get("scratch-b/1/train-loss"));
        assertEquals(9, points.get("scratch-b/2/test-accuracy"));
        assertFalse(points.containsKey("pruned/1/test-accuracy"), "the untrained pruned model has no curve");
        // the values behind scratch-b seed 2's accuracy line: epoch e at 50 + e percent
        Map<String, String> sb2 = elements(html, "polyline", "series").stream().filter(p -> "scratch-b".equals(p.get("data-row"))
                && "2".equals(p.get("data-seed")) && "test-accuracy".equals(p.get("data-metric"))).findFirst().orElseThrow();
        String[] values = sb2.get("data-values").split(" ");
        for (int e = 1; e <= 9; e++) {
            String[] ev = values[e - 1].split(":");
            assertEquals(e, Integer.parseInt(ev[0]));
            assertEquals(100 * (0.5 + e / 100.0), Double.parseDouble(ev[1]), 1e-9);
        }

        // the table: the same cells as results.md
        for (ResultTable.Row r : t.rows()) {
            for (String c : ResultTable.cells(r)) {
                assertTrue(html.contains("<td>" + HtmlReport.esc(c) + "</td>"), c);
                assertTrue(t.toMarkdown().contains(c), c);
            }
        }
        // the paired differences, the same as results.md: scratch-b - unpruned is +1 and -2 points, mean -0.5
        assertEquals(4, t.comparisons().size(), "no control, no lottery ticket");
        assertTrue(html.contains("<td>scratch-b − unpruned</td><td>-0.50 ± 2.12</td><td>2</td>"), html);
        for (ResultTable.Comparison c : t.comparisons()) {
            assertTrue(t.toMarkdown().contains(String.join(" | ", ResultTable.cells(c))), c.toString());
        }
        // the setup
        assertTrue(html.contains("<dt>arch</dt><dd>lenet</dd>"), html);
        assertFalse(html.contains("<script"), "no script at all");
        String outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertFalse(outside.contains("http://") || outside.contains("https://") || outside.contains("src="),
                "nothing fetched");
    }

    @Test
    void hostileNamesAreEscapedEverywhere() {
        String evil = "<script>alert(\"x\")</script>";
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("unpruned", List.of(run(1, 0.9, 1000, 1)));
        runs.put(evil, List.of(run(1, 0.8, 500, 1)));
        JsonObject setup = ResultTableTest.setup();
        setup.addProperty("arch", "<img src=x onerror=alert(1)>");
        JsonObject refused = new JsonObject();
        refused.addProperty("lottery-ticket", "</p><script>boom()</script>");
        setup.add("refusedModes", refused);
        ResultTable t = ResultTable.of(setup, runs);
        HtmlReport.Report r = new HtmlReport.Report(t, Map.of(evil, List.of(curve(1, 3, 0))),
                List.of(new HtmlReport.Pruning(1, List.of(new HtmlReport.LayerWidth("<b onclick='x'>", 8, 4, Double.NaN)),
                        List.of())), List.of("checkpoint '<iframe>' unreadable & gone"));
        String html = HtmlReport.render(r);
        assertFalse(html.toLowerCase().contains("<script"), html);
        assertFalse(html.contains("<img"), html);
        assertFalse(html.contains("<b "), html);
        assertFalse(html.contains("<iframe"), html);
        assertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), html);
        assertTrue(html.contains("&lt;b onclick=&#39;x&#39;&gt;"), html);
        assertTrue(html.contains("unreadable &amp; gone"), html);
        // escaped in attributes too, and read back as the name
        assertEquals(1, elements(html, "circle", "run").stream()
                .filter(d -> d.get("data-row").equals(HtmlReport.esc(evil))).count());
        assertEquals(1, elements(html, "polyline", "series").stream()
                .filter(d -> d.get("data-row").equals(HtmlReport.esc(evil)) && d.get("data-metric").equals("test-accuracy"))
                .count());
    }

    /** Weight-level: each layer's density is its mask's kept fraction, read from the pruned checkpoint's masks. */
    @Test
    void weightLevelDensitiesAreTheMasksKeptFractions(@TempDir Path dir) {
        ArchSpec spec = Architectures.named("lenet", List.of(1, 28, 28), 10);
        Map<String, Double> expected = new LinkedHashMap<>();
        try (Network net = Network.create(spec, 3)) {
            ModelCheckpoint.save(dir.resolve("baseline"), net, ModelCheckpoint.Info.EMPTY, null, null);
            PruneResult pr = new WeightLevelPruning(0.8, true).prune(net);
            try (Network pruned = pr.network()) {
                for (String w : pruned.masks().keySet()) {
                    long size = 1;
                    for (long d : pruned.array(w).getShape().getShape()) {
                        size *= d;
                    }
                    expected.put(w.substring(0, w.length() - ".weight".length()), (double) pruned.nonZero(w) / size);
                }
                ModelCheckpoint.save(dir.resolve("pruned"), pruned, ModelCheckpoint.Info.EMPTY, null, null);
            }
        }
        assertFalse(expected.isEmpty());
        HtmlReport.Pruning p = HtmlReport.pruning(7, dir.resolve("baseline"), dir.resolve("pruned"));
        for (var e : expected.entrySet()) {
            HtmlReport.LayerWidth l = p.layers().stream().filter(x -> x.layer().equals(e.getKey())).findFirst().orElseThrow();
            assertEquals(e.getValue(), l.density(), 1e-12, e.getKey());
            assertEquals(l.before(), l.after(), "weight-level keeps every channel");
        }
        // one global magnitude threshold: layers of other weight scales keep other fractions
        assertTrue(expected.values().stream().distinct().count() > 1, expected.toString());
        String html = HtmlReport.render(new HtmlReport.Report(ResultTable.of(ResultTableTest.setup(), runs()), Map.of(),
                List.of(p), List.of()));
        Map<String, Double> shown = new HashMap<>();
        elements(html, "rect", "density").stream().filter(r -> r.get("data-seed").equals("7"))
                .forEach(r -> shown.put(r.get("data-layer"), Double.parseDouble(r.get("data-density"))));
        assertEquals(expected, shown);
    }

    /** Sparse structure selection: blocks named in the pruned checkpoint's lineage are shown removed, the rest kept. */
    @Test
    void removedBlocksAreReadFromThePrunedLineage(@TempDir Path dir) {
        ArchSpec spec = Architectures.named("resnet14", List.of(1, 28, 28), 10);
        JsonObject how = new JsonObject();
        JsonArray removed = new JsonArray();
        removed.add("layer1.1");
        removed.add("layer3.0");
        how.add("removedBlocks", removed);
        try (Network net = Network.create(spec, 1)) {
            ModelCheckpoint.save(dir.resolve("baseline"), net, ModelCheckpoint.Info.EMPTY, null, null);
            // the weights do not matter here: only the lineage says which blocks went
            ModelCheckpoint.save(dir.resolve("pruned"), net, new ModelCheckpoint.Info(new Manifest.Lineage(null, "sss", how),
                    Map.of()), null, null);
        }
        HtmlReport.Pruning p = HtmlReport.pruning(1, dir.resolve("baseline"), dir.resolve("pruned"));
        assertEquals(List.of("layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1"),
                p.blocks().stream().map(HtmlReport.Block::name).toList());
        String html = HtmlReport.render(new HtmlReport.Report(ResultTable.of(ResultTableTest.setup(), runs()), Map.of(),
                List.of(p), List.of()));
        Map<String, String> shown = new HashMap<>();
        elements(html, "rect", "block").forEach(r -> shown.put(r.get("data-block"), r.get("data-removed")));
        assertEquals(Map.of("layer1.0", "false", "layer1.1", "true", "layer2.0", "false", "layer2.1", "false",
                "layer3.0", "true", "layer3.1", "false"), shown);
    }

    /** SSS with no block removed: the blocks are still shown, each with the trained scale the selection saw. */
    @Test
    void blockScalesAreShownEvenWhenTheSelectionRemovedNothing(@TempDir Path dir) {
        ArchSpec spec = Architectures.named("resnet14", List.of(1, 28, 28), 10);
        JsonObject how = new JsonObject();
        how.add("removedBlocks", new JsonArray());
        JsonObject scales = new JsonObject();
        scales.addProperty("layer1.0", 0.00123);
        scales.addProperty("layer2.1", 0.25);
        how.add(dev.sculptor.engine.prune.SparseStructureSelection.BLOCK_SCALES, scales);
        try (Network net = Network.create(spec, 1)) {
            ModelCheckpoint.save(dir.resolve("baseline"), net, ModelCheckpoint.Info.EMPTY, null, null);
            ModelCheckpoint.save(dir.resolve("pruned"), net, new ModelCheckpoint.Info(new Manifest.Lineage(null, "sss", how),
                    Map.of()), null, null);
        }
        HtmlReport.Pruning p = HtmlReport.pruning(1, dir.resolve("baseline"), dir.resolve("pruned"));
        assertEquals(6, p.blocks().size());
        assertTrue(p.blocks().stream().noneMatch(HtmlReport.Block::removed));
        assertEquals(0.00123, p.blocks().get(0).scale());
        assertTrue(Double.isNaN(p.blocks().get(1).scale()), "no scale recorded for layer1.1");
        String html = HtmlReport.render(new HtmlReport.Report(ResultTable.of(ResultTableTest.setup(), runs()), Map.of(),
                List.of(p), List.of()));
        assertEquals(6, elements(html, "rect", "block").size());
        assertTrue(html.contains("<td>layer1.0</td><td>0.001230</td>"), "the scale table");
        assertTrue(html.contains("<td>layer2.1</td><td>0.2500</td>"));
    }

    /**
     * Slimming's histograms: one chart per seed whose bars are the stored counts over the stored edges, with the
     * near-zero threshold and the judgement of the table (seed 2's 9 of 20 near zero is fewer than the cut's half).
     */
    @Test
    void scaleHistogramsAreChartedPerSeedFromTheStoredCounts() {
        Map<String, List<ResultTable.Run>> runs = runs();
        runs.put("pruned", List.of(run(1, 0.30, 400_000, 0).withScaleHistogram(ResultTableTest.histogram(15)),
                run(2, 0.35, 420_000, 0).withScaleHistogram(ResultTableTest.histogram(9))));
        JsonObject setup = ResultTableTest.setup();
        setup.add("methodSettings", ResultTableTest.slimmingSettings(0.5, null));
        ResultTable t = ResultTable.of(setup, runs);
        String html = HtmlReport.render(report(t));

        for (int[] sb : new int[][] {{1, 15}, {2, 9}}) {
            JsonObject h = ResultTableTest.histogram(sb[1]);
            List<Map<String, String>> bins = elements(html, "rect", "scale-bin").stream()
                    .filter(r -> r.get("data-seed").equals(String.valueOf(sb[0]))).toList();
            assertEquals(20, bins.size());
            for (int b = 0; b < 20; b++) {
                Map<String, String> r = bins.get(b);
                assertEquals(h.getAsJsonArray("counts").get(b).getAsInt(), Integer.parseInt(r.get("data-count")));
                assertEquals(h.getAsJsonArray("edges").get(b).getAsDouble(), Double.parseDouble(r.get("data-lo")));
                assertEquals(h.getAsJsonArray("edges").get(b + 1).getAsDouble(), Double.parseDouble(r.get("data-hi")));
            }
        }
        Matcher m = Pattern.compile("<svg class=\"scales\"[^>]*data-seed=\"(\\d+)\"[^>]*data-below=\"(\\d+)\" "
                + "data-fraction-below=\"([^\"]+)\" data-threshold=\"([^\"]+)\" data-sparse=\"(true|false)\"").matcher(html);
        Map<String, String> charts = new HashMap<>();
        while (m.find()) {
            charts.put(m.group(1), m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "/" + m.group(5));
        }
        assertEquals(Map.of("1", "15/0.75/0.01/true", "2", "9/0.45/0.01/false"), charts);
        assertEquals(2, elements(html, "line", "near-zero").size());
        // the table's note and warning are on the page too
        assertTrue(html.contains("warning: seed 2: only 45.0%"), html);
        assertFalse(html.contains("warning: seed 1"), html);

        // no histogram, no section
        assertFalse(HtmlReport.render(report(ResultTable.of(ResultTableTest.setup(), runs()))).contains("class=\"scales\""));
    }

    /**
     * The real command with slimming: each seed's pruned run in results.json carries the histogram its pruned
     * checkpoint's manifest stores, results.md says its fraction near zero (and warns exactly when it is below the
     * cut), report.html charts it.
     */
    @Test
    void rethinkWithSlimmingShowsTheStoredHistogram(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of(
                "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")), "apt-get install dataset-fashion-mnist");
        assertEquals(0, EngineCli.execute("rethink", "--arch", "lenet", "--method", "slimming", "--percent", "0.5",
                "--modes", "fine-tune", "--train-subset", "128", "--test-subset", "64", "--epochs", "1", "--batch-size",
                "32", "--finetune-epochs", "1", "--seeds", "1,2", "--json", "--out", dir.toString()));
        JsonObject table = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        JsonObject pruned = table.getAsJsonArray("rows").asList().stream().map(e -> e.getAsJsonObject())
                .filter(r -> r.get("model").getAsString().equals("pruned")).findFirst().orElseThrow();
        String md = Files.readString(dir.resolve("results.md"));
        String html = Files.readString(dir.resolve(HtmlReport.FILE));
        for (long seed : List.of(1L, 2L)) {
            JsonObject stored = CheckpointDir.readManifest(dir.resolve("seed-" + seed + "/pruned")).lineage().settings()
                    .getAsJsonObject("scaleHistogram");
            JsonObject shown = pruned.getAsJsonArray("runs").get((int) seed - 1).getAsJsonObject()
                    .getAsJsonObject("scaleHistogram");
            assertEquals(stored, shown);
            assertEquals(96, shown.get("channels").getAsInt(), "lenet's 32 + 64 BN-gated channels");
            assertTrue(md.contains(String.format(java.util.Locale.ROOT, "seed %d %.1f%% (%d of 96 below", seed,
                    100 * stored.get("fractionBelow").getAsDouble(), stored.get("below").getAsInt())), md);
            assertEquals(stored.get("fractionBelow").getAsDouble() < 0.5, md.contains("warning: seed " + seed + ":"), md);
            assertEquals(20, elements(html, "rect", "scale-bin").stream()
                    .filter(r -> r.get("data-seed").equals(String.valueOf(seed))).count());
        }
    }

    /** The real command: report.html beside results.json, every row in it, curves from the checkpoints' histories. */
    @Test
    void rethinkWritesTheReportBesideTheTable(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of(
                "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")), "apt-get install dataset-fashion-mnist");
        assertEquals(0, EngineCli.execute("rethink", "--arch", "lenet", "--method", "l1", "--ratio", "0.5", "--modes",
                "fine-tune,scratch-e,scratch-b", "--train-subset", "200", "--test-subset", "100", "--epochs", "1",
                "--batch-size", "32", "--finetune-epochs", "1", "--scratch-b-cap", "2", "--seeds", "1", "--json", "--out",
                dir.toString()));
        Path file = dir.resolve(HtmlReport.FILE);
        assertTrue(Files.exists(file));
        String html = Files.readString(file);
        JsonObject table = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        List<Map<String, String>> dots = elements(html, "circle", "run");
        Map<String, Integer> points = new HashMap<>();
        elements(html, "polyline", "series").forEach(p -> points.put(p.get("data-row") + "/" + p.get("data-seed") + "/"
                + p.get("data-metric"), Integer.parseInt(p.get("data-points"))));
        for (var e : table.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            String model = row.get("model").getAsString();
            assertTrue(html.contains("<td>" + model + "</td>"), model);
            for (var r : row.getAsJsonArray("runs")) {
                JsonObject run = r.getAsJsonObject();
                long seed = run.get("seed").getAsLong();
                assertEquals(1, dots.stream().filter(d -> d.get("data-row").equals(model)
                        && d.get("data-seed").equals(String.valueOf(seed))
                        && Double.parseDouble(d.get("data-accuracy")) == run.get("accuracy").getAsDouble()
                        && Long.parseLong(d.get("data-flops")) == run.get("flops").getAsLong()).count(), model + " " + seed);
                // a trained row has one point per epoch it trained
                int epochs = run.get("epochs").getAsInt();
                if (epochs > 0) {
                    assertEquals(epochs, points.get(model + "/" + seed + "/test-accuracy"), model + " " + seed);
                }
            }
        }
        // the widths are the recorded architectures'
        for (long seed : List.of(1L)) {
            JsonObject arch = CheckpointDir.readManifest(dir.resolve("seed-" + seed + "/pruned")).arch();
            int w0 = arch.getAsJsonArray("convWidths").get(0).getAsInt();
            assertNotNull(elements(html, "rect", "width").stream().filter(r -> r.get("data-layer").equals("features.0.conv")
                    && r.get("data-seed").equals(String.valueOf(seed)) && r.get("data-channels").equals(String.valueOf(w0)))
                    .findFirst().orElse(null), "features.0.conv of seed " + seed + ": " + w0);
            assertTrue(w0 < 32, "l1 at ratio 0.5 narrowed the first conv: " + w0);
        }
        assertFalse(html.contains("<h2>Not shown</h2>"), "every checkpoint was read");
    }
}
