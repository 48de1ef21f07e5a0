package dev.sculptor.engine.experiment;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.checkpoint.TensorFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rethink experiment's {@code report.html} (Liu et al., "Rethinking the Value of Network Pruning", ICLR 2019): the
 * table as plots a reader would rather see than read. Accuracy against FLOPs for every run, per-layer widths (or weight
 * densities, or kept blocks) before and after pruning, and each mode's training curves, beside the setup and the same
 * table cells as {@code results.md}. One self-contained file (inline SVG and CSS, no script, nothing fetched), so it
 * reads offline and can be mailed.
 *
 * <p>Every number comes from the {@link ResultTable} or from the checkpoints its runs name: curves from the training
 * history each step keeps in its manifest, widths from the recorded architectures, densities from the pruned model's
 * masks, removed blocks from the pruning's lineage. Nothing is re-evaluated. Every text is escaped.
 */
public final class HtmlReport {
    /** The file written beside results.json and results.md. */
    public static final String FILE = "report.html";

    /** One epoch of a run's history: epoch counts from 1; NaN where the history has no such metric. */
    public record Point(int epoch, double testAccuracy, double testLoss, double trainLoss) {}

    /** The per-epoch history of one seed of one row. */
    public record Curve(long seed, List<Point> points) {
        public Curve {
            points = List.copyOf(points);
        }
    }

    /**
     * One prunable layer of one seed's pruning.
     *
     * @param before output channels (features) of the unpruned layer
     * @param after of the pruned one (0: the layer is gone)
     * @param density fraction of weights kept by weight-level pruning's mask; NaN without a mask
     */
    public record LayerWidth(String layer, int before, int after, double density) {}

    /**
     * A residual block of the unpruned network and whether the pruning removed it (sparse structure selection), with
     * its trained scale where the pruning recorded one (NaN otherwise).
     */
    public record Block(String name, boolean removed, double scale) {}

    /** What one seed's pruning did to the unpruned network. */
    public record Pruning(long seed, List<LayerWidth> layers, List<Block> blocks) {
        public Pruning {
            layers = List.copyOf(layers);
            blocks = List.copyOf(blocks);
        }
    }

    /**
     * Everything the page shows.
     *
     * @param curves row name to one curve per seed that has a history (rows without one are absent)
     * @param notes what could not be read, said on the page rather than silently left out
     */
    public record Report(ResultTable table, Map<String, List<Curve>> curves, List<Pruning> pruning, List<String> notes) {
        public Report {
            curves = new LinkedHashMap<>(curves);
            pruning = List.copyOf(pruning);
            notes = List.copyOf(notes);
        }
    }

    private HtmlReport() {}

    /** Reads the report's data from the checkpoints the table's runs name, and writes {@link #FILE} into dir. */
    public static Path write(Path dir, ResultTable table) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            Files.writeString(file, render(collect(table)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    // ---- reading the step outputs ----

    /**
     * The curves (each run's training history) and each seed's pruning (its pruned checkpoint against the unpruned
     * one of the same seed). A checkpoint that is missing or unreadable costs its plot, named in the notes, not the
     * report: the table is worth having without it.
     */
    public static Report collect(ResultTable table) {
        Map<String, List<Curve>> curves = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (ResultTable.Row row : table.rows()) {
            for (ResultTable.Run run : row.runs()) {
                if (run.epochs() == 0) {
                    continue; // the pruned model is not trained: no curve to draw
                }
                try {
                    Curve c = curve(run.seed(), Path.of(run.checkpoint()));
                    if (c != null) {
                        curves.computeIfAbsent(row.model(), k -> new ArrayList<>()).add(c);
                    } else {
                        notes.add(row.model() + ", seed " + run.seed() + ": no training history in " + run.checkpoint());
                    }
                } catch (RuntimeException e) {
                    notes.add(row.model() + ", seed " + run.seed() + ": no curve (" + e.getMessage() + ")");
                }
            }
        }
        List<Pruning> pruning = new ArrayList<>();
        ResultTable.Row unpruned = find(table, "unpruned");
        ResultTable.Row pruned = find(table, "pruned");
        if (unpruned != null && pruned != null) {
            for (ResultTable.Run p : pruned.runs()) {
                ResultTable.Run u = unpruned.runs().stream().filter(r -> r.seed() == p.seed()).findFirst().orElse(null);
                if (u == null) {
                    notes.add("pruned, seed " + p.seed() + ": no unpruned run of the same seed to compare widths with");
                    continue;
                }
                try {
                    pruning.add(pruning(p.seed(), Path.of(u.checkpoint()), Path.of(p.checkpoint())));
                } catch (RuntimeException e) {
                    notes.add("pruned, seed " + p.seed() + ": no per-layer widths (" + e.getMessage() + ")");
                }
            }
        }
        return new Report(table, curves, pruning, notes);
    }

    private static ResultTable.Row find(ResultTable t, String model) {
        return t.rows().stream().filter(r -> r.model().equals(model)).findFirst().orElse(null);
    }

    /** The history {@code Trainer} keeps in every checkpoint's manifest ({@code training.history}); null without one. */
    static Curve curve(long seed, Path checkpoint) {
        if (!Files.exists(checkpoint.resolve(CheckpointDir.MANIFEST))) {
            return null;
        }
        JsonObject training = CheckpointDir.readManifest(checkpoint).training();
        if (training == null || !training.has("history")) {
            return null;
        }
        List<Point> points = new ArrayList<>();
        for (JsonElement e : training.getAsJsonArray("history")) {
            JsonObject o = e.getAsJsonObject();
            points.add(new Point(o.get("epoch").getAsInt() + 1, num(o, "testAccuracy"), num(o, "testLoss"),
                    num(o, "trainLoss")));
        }
        return points.isEmpty() ? null : new Curve(seed, points);
    }

    private static double num(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsDouble() : Double.NaN;
    }

    /**
     * One seed's pruning: removed blocks when the pruning recorded some (sparse structure selection renames the blocks
     * it keeps, so layers cannot be matched by name there); otherwise every conv and linear layer whose output the
     * unpruned network may prune, with its width before and after and, for a masked model, its weight density.
     */
    static Pruning pruning(long seed, Path unprunedDir, Path prunedDir) {
        Manifest um = CheckpointDir.readManifest(unprunedDir);
        Manifest pm = CheckpointDir.readManifest(prunedDir);
        LayerGraph before = LayerGraph.of(ArchSpec.fromJson(um.arch()));
        LayerGraph after = LayerGraph.of(ArchSpec.fromJson(pm.arch()));
        JsonObject how = pm.lineage() == null ? null : pm.lineage().settings();
        String scalesKey = dev.sculptor.engine.prune.SparseStructureSelection.BLOCK_SCALES;
        if (how != null && how.has("removedBlocks") && (how.getAsJsonArray("removedBlocks").size() > 0
                || how.has(scalesKey))) {
            List<String> removed = how.getAsJsonArray("removedBlocks").asList().stream().map(JsonElement::getAsString).toList();
            JsonObject scales = how.has(scalesKey) && how.get(scalesKey).isJsonObject() ? how.getAsJsonObject(scalesKey)
                    : new JsonObject();
            List<Block> blocks = new ArrayList<>();
            for (int b = 0; b < before.spec().blocks().size(); b++) {
                String name = before.blockName(b);
                blocks.add(new Block(name, removed.contains(name), scales.has(name) ? scales.get(name).getAsDouble()
                        : Double.NaN));
            }
            return new Pruning(seed, List.of(), blocks);
        }
        Map<String, Double> density = new LinkedHashMap<>();
        if (pm.parts().containsKey(CheckpointDir.MASKS)) {
            for (Tensor m : TensorFile.read(prunedDir.resolve(CheckpointDir.MASKS))) {
                long nz = 0;
                for (float v : m.data()) {
                    nz += v != 0 ? 1 : 0;
                }
                density.put(m.name(), (double) nz / m.size());
            }
        }
        List<LayerWidth> layers = new ArrayList<>();
        for (Layer l : before.layers()) {
            if (l.kind() != Layer.Kind.CONV && l.kind() != Layer.Kind.LINEAR) {
                continue;
            }
            Layer p = after.layers().stream().filter(x -> x.name().equals(l.name())).findFirst().orElse(null);
            int w = p == null ? 0 : p.out();
            Double d = density.get(l.name() + ".weight");
            var space = before.spaces().get(l.outSpace());
            if ((space != null && space.prunable()) || w != l.out() || d != null) {
                layers.add(new LayerWidth(l.name(), l.out(), w, d == null ? Double.NaN : d));
            }
        }
        return new Pruning(seed, layers, List.of());
    }

    // ---- the page ----

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
        "#17becf", "#bcbd22", "#7f7f7f"};

    private static String colour(int i) {
        return COLOURS[Math.floorMod(i, COLOURS.length)];
    }

    public static String render(Report r) {
        ResultTable t = r.table();
        StringBuilder sb = new StringBuilder();
        String title = String.format(Locale.ROOT, "Rethinking the value of pruning: %s on %s, %s", str(t.setup(), "arch"),
                str(t.setup(), "dataset"), str(t.setup(), "method"));
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title))
                .append("</title>\n<style>\n").append(CSS).append("</style></head>\n<body>\n<h1>").append(esc(title))
                .append("</h1>\n");
        sb.append("<p>Liu et al., \"Rethinking the Value of Network Pruning\" (ICLR 2019): the unpruned baseline, the "
                + "pruned model, and the pruned architecture retrained by each mode. Numbers from results.json and the "
                + "checkpoints it names.</p>\n");
        table(sb, t);
        accuracyVsFlops(sb, t);
        widths(sb, r.pruning());
        scales(sb, t);
        curves(sb, t, r.curves());
        setup(sb, t.setup());
        if (!r.notes().isEmpty()) {
            sb.append("<h2>Not shown</h2>\n<ul class=\"notes\">\n");
            r.notes().forEach(n -> sb.append("<li>").append(esc(n)).append("</li>\n"));
            sb.append("</ul>\n");
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static final String CSS = """
            body { font-family: sans-serif; margin: 2em; max-width: 1100px; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            caption, .caption { caption-side: bottom; font-size: 0.85em; color: #555; text-align: left; padding-top: 0.4em; }
            svg { background: #fff; border: 1px solid #ddd; margin: 0.5em 0.5em 0.5em 0; }
            svg text { font-size: 11px; font-family: sans-serif; }
            dt { font-weight: bold; margin-top: 0.4em; }
            dd { font-family: monospace; white-space: pre-wrap; word-break: break-all; }
            """;

    private static void table(StringBuilder sb, ResultTable t) {
        sb.append("<h2>Table</h2>\n<table class=\"results\">\n<tr>");
        ResultTable.COLUMNS.forEach(c -> sb.append("<th>").append(esc(c)).append("</th>"));
        sb.append("</tr>\n");
        for (ResultTable.Row row : t.rows()) {
            sb.append("<tr>");
            ResultTable.cells(row).forEach(c -> sb.append("<td>").append(esc(c)).append("</td>"));
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        for (String n : t.notes()) {
            sb.append("<p class=\"caption\">").append(esc(n)).append("</p>\n");
        }
        List<ResultTable.Comparison> cs = t.comparisons();
        if (!cs.isEmpty()) {
            sb.append("<h2>Paired by seed</h2>\n<table class=\"comparisons\">\n<tr>");
            ResultTable.COMPARISON_COLUMNS.forEach(c -> sb.append("<th>").append(esc(c)).append("</th>"));
            sb.append("</tr>\n");
            for (ResultTable.Comparison c : cs) {
                sb.append("<tr>");
                ResultTable.cells(c).forEach(x -> sb.append("<td>").append(esc(x)).append("</td>"));
                sb.append("</tr>\n");
            }
            sb.append("</table>\n<p class=\"caption\">each seed's difference of last-epoch accuracy (a seed fixes the "
                    + "baseline, its initial weights and the data order), then mean ± sample std over the seeds</p>\n");
        }
    }

    /** A linear or log10 map of data to pixels. */
    private record Scale(double lo, double hi, boolean log, double p0, double p1) {
        static Scale of(double min, double max, boolean log, double p0, double p1) {
            if (log) {
                double a = Math.log10(min);
                double b = Math.log10(max);
                double pad = Math.max(0.05 * (b - a), 0.05);
                return new Scale(a - pad, b + pad, true, p0, p1);
            }
            double pad = max > min ? 0.08 * (max - min) : Math.max(Math.abs(max) * 0.05, 1e-3);
            return new Scale(min - pad, max + pad, false, p0, p1);
        }

        double px(double v) {
            double x = log ? Math.log10(v) : v;
            return p0 + (x - lo) / (hi - lo) * (p1 - p0);
        }

        /** About five round values inside the range (1, 2, 5 times powers of ten on a log axis). */
        List<Double> ticks() {
            List<Double> out = new ArrayList<>();
            if (log) {
                // within a decade or so, 1-2-5 leaves one or two ticks: use finer steps there
                double[] steps = hi - lo < 1.2 ? new double[] {1, 1.5, 2, 3, 4, 5, 7} : new double[] {1, 2, 5};
                for (int e = (int) Math.floor(lo); e <= (int) Math.ceil(hi); e++) {
                    for (double m : steps) {
                        double v = m * Math.pow(10, e);
                        if (Math.log10(v) >= lo && Math.log10(v) <= hi) {
                            out.add(v);
                        }
                    }
                }
                return out;
            }
            double raw = (hi - lo) / 5;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
            // multiples of the step, each computed afresh (summing steps drifts: 1.2000000000000002)
            for (long k = (long) Math.ceil(lo / step); k * step <= hi + 1e-12; k++) {
                out.add(Double.parseDouble(String.format(Locale.ROOT, "%.10g", k * step)));
            }
            return out;
        }
    }

    private static final int W = 720;
    private static final int H = 400;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    /** Axes with ticks and grid lines; the labels are escaped. */
    private static void axes(StringBuilder sb, Scale x, Scale y, int w, int h, String xLabel, String yLabel,
            java.util.function.DoubleFunction<String> xFmt, java.util.function.DoubleFunction<String> yFmt) {
        sb.append("<g class=\"axis\">");
        for (double v : x.ticks()) {
            double px = x.px(v);
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" stroke=\"#e6e6e6\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    px, y.p1(), px, y.p0()));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px,
                    y.p0() + 15, esc(xFmt.apply(v))));
        }
        // no y ticks without a y label: the widths chart's rows are layers, labelled by name
        for (double v : yLabel.isEmpty() ? List.<Double>of() : y.ticks()) {
            double py = y.px(v);
            sb.append(String.format(Locale.ROOT, "<line class=\"grid\" stroke=\"#e6e6e6\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    x.p0(), py, x.p1(), py));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", x.p0() - 5,
                    py + 4, esc(yFmt.apply(v))));
        }
        sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1f V%.1f H%.1f\" fill=\"none\" stroke=\"#444\"/>", x.p0(), y.p1(), y.p0(),
                x.p1()));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                (x.p0() + x.p1()) / 2, h - 8, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">%s"
                + "</text>", (y.p0() + y.p1()) / 2, esc(yLabel)));
        sb.append("</g>\n");
    }

    /**
     * Every run as a point (its seed's FLOPs and accuracy), each row's mean with a ± sample std bar, the baseline's mean
     * as a dashed line. Rows sharing FLOPs (all retrained modes of one pruned architecture) are drawn side by side.
     */
    private static void accuracyVsFlops(StringBuilder sb, ResultTable t) {
        sb.append("<h2>Accuracy against FLOPs</h2>\n");
        List<ResultTable.Row> rows = t.rows();
        List<ResultTable.Run> all = rows.stream().flatMap(r -> r.runs().stream()).toList();
        if (all.isEmpty()) {
            sb.append("<p>No runs.</p>\n");
            return;
        }
        double fMin = all.stream().mapToDouble(ResultTable.Run::flops).min().orElseThrow();
        double fMax = all.stream().mapToDouble(ResultTable.Run::flops).max().orElseThrow();
        // a log axis once the FLOPs span a few times (weight-level pruning spans ten and more)
        boolean log = fMin > 0 && fMax / fMin >= 3;
        double aMin = Double.MAX_VALUE;
        double aMax = -Double.MAX_VALUE;
        for (ResultTable.Row r : rows) {
            double s = r.accuracyStd() == null ? 0 : r.accuracyStd();
            aMin = Math.min(aMin, r.accuracyMean() - s);
            aMax = Math.max(aMax, r.accuracyMean() + s);
            for (ResultTable.Run run : r.runs()) {
                aMin = Math.min(aMin, run.accuracy());
                aMax = Math.max(aMax, run.accuracy());
            }
        }
        Scale x = Scale.of(Math.max(fMin, 1), Math.max(fMax, 1), log, LEFT, W - RIGHT);
        Scale y = Scale.of(100 * aMin, 100 * aMax, false, H - BOTTOM, TOP);
        sb.append(String.format(Locale.ROOT, "<svg class=\"acc-flops\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\" xmlns=\"http://www.w3.org/2000/svg\">\n", W, H, W, H));
        axes(sb, x, y, W, H, "FLOPs (multiply-accumulates per image" + (log ? ", log scale)" : ")"),
                "test accuracy, last epoch (%)", HtmlReport::si, v -> String.format(Locale.ROOT, "%.1f", v));
        ResultTable.Row base = find(t, "unpruned");
        if (base != null) {
            double py = y.px(100 * base.accuracyMean());
            sb.append(String.format(Locale.ROOT, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#000\" stroke-dasharray=\"5 4\" data-accuracy-mean=\"%s\"><title>unpruned baseline, "
                    + "mean %.2f%%</title></line>\n", x.p0(), py, x.p1(), py, base.accuracyMean(), 100 * base.accuracyMean()));
        }
        for (int i = 0; i < rows.size(); i++) {
            ResultTable.Row r = rows.get(i);
            String c = r == base ? "#000" : colour(i);
            double dodge = (i - (rows.size() - 1) / 2.0) * 9;
            for (ResultTable.Run run : r.runs()) {
                sb.append(String.format(Locale.ROOT, "<circle class=\"run\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" "
                        + "fill-opacity=\"0.6\" data-row=\"%s\" data-seed=\"%d\" data-flops=\"%d\" data-accuracy=\"%s\">"
                        + "<title>%s, seed %d: %.2f%%, %,d FLOPs</title></circle>\n", x.px(Math.max(run.flops(), 1)) + dodge,
                        y.px(100 * run.accuracy()), c, esc(r.model()), run.seed(), run.flops(), run.accuracy(),
                        esc(r.model()), run.seed(), 100 * run.accuracy(), run.flops()));
            }
            // the mean's x: the seeds' mean FLOPs (one value when they agree); its bar: the table's sample std
            double flops = r.runs().stream().mapToDouble(ResultTable.Run::flops).average().orElseThrow();
            double px = x.px(Math.max(flops, 1)) + dodge;
            double py = y.px(100 * r.accuracyMean());
            sb.append(String.format(Locale.ROOT, "<g class=\"mean\" data-row=\"%s\" data-accuracy-mean=\"%s\" "
                    + "data-accuracy-std=\"%s\"><title>%s: %s</title>", esc(r.model()), r.accuracyMean(),
                    r.accuracyStd() == null ? "n/a" : r.accuracyStd(), esc(r.model()), esc(ResultTable.cells(r).get(1))));
            if (r.accuracyStd() != null) {
                double lo = y.px(100 * (r.accuracyMean() - r.accuracyStd()));
                double hi = y.px(100 * (r.accuracyMean() + r.accuracyStd()));
                sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1f V%.1f M%.1f %.1f h8 M%.1f %.1f h8\" stroke=\"%s\" "
                        + "stroke-width=\"1.5\"/>", px, lo, hi, px - 4, lo, px - 4, hi, c));
            }
            if (r == base) {
                sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1f l6 6 l-6 6 l-6 -6 z\" fill=\"#000\"/>", px, py - 6));
            } else {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>",
                        px - 4, py - 4, c));
            }
            sb.append("</g>\n");
            // legend
            int ly = TOP + 10 + 18 * i;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>\n", W - RIGHT + 15, ly - 9, c, W - RIGHT + 30, ly,
                    esc(r.model() + (r == base ? " (baseline)" : ""))));
        }
        sb.append("</svg>\n<p class=\"caption\">Small dots: one seed each (its own FLOPs and accuracy). Squares: the row's "
                + "mean accuracy, bars ± one sample std over seeds (none with one seed), at the seeds' mean FLOPs; "
                + "diamond and dashed line: the unpruned baseline. Rows with the same FLOPs are set side by side, a few "
                + "pixels apart.</p>\n");
    }

    /** FLOPs as 1.2M, 350k. */
    private static String si(double v) {
        double a = Math.abs(v);
        return a >= 1e9 ? trim(v / 1e9) + "G" : a >= 1e6 ? trim(v / 1e6) + "M" : a >= 1e3 ? trim(v / 1e3) + "k" : trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** Per-layer channels (or weight density) before and after pruning, one bar per seed; or kept and removed blocks. */
    private static void widths(StringBuilder sb, List<Pruning> pruning) {
        sb.append("<h2>What the pruning kept</h2>\n");
        if (pruning.isEmpty()) {
            sb.append("<p>No pruned checkpoint to compare (see below).</p>\n");
            return;
        }
        boolean blocks = pruning.stream().anyMatch(p -> !p.blocks().isEmpty());
        if (blocks) {
            blocks(sb, pruning);
            return;
        }
        boolean masked = pruning.stream().flatMap(p -> p.layers().stream()).anyMatch(l -> Double.isFinite(l.density()));
        List<String> layers = new ArrayList<>();
        Map<String, Integer> before = new LinkedHashMap<>();
        for (Pruning p : pruning) {
            for (LayerWidth l : p.layers()) {
                if (!layers.contains(l.layer())) {
                    layers.add(l.layer());
                    before.put(l.layer(), l.before());
                }
            }
        }
        int bars = pruning.size() + 1;
        int barH = 7;
        int group = bars * barH + 6;
        int left = 170;
        int w = 640;
        int h = TOP + layers.size() * group + BOTTOM + 20; // 20: the seeds' legend under the axis
        double max = masked ? 1 : before.values().stream().mapToInt(Integer::intValue).max().orElse(1);
        Scale x = Scale.of(0, max, false, left, w - 20);
        x = new Scale(0, x.hi(), false, left, w - 20);
        sb.append(String.format(Locale.ROOT, "<svg class=\"widths\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\" xmlns=\"http://www.w3.org/2000/svg\">\n", w, h, w, h));
        axes(sb, x, new Scale(0, 1, false, h - 20 - BOTTOM, TOP), w, h - 20,
                masked ? "fraction of weights kept" : "output channels (features)", "",
                v -> masked ? String.format(Locale.ROOT, "%.1f", v) : trim(v), v -> "");
        for (int i = 0; i < layers.size(); i++) {
            String name = layers.get(i);
            int y0 = TOP + i * group;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6,
                    y0 + group / 2 + 3, esc(name)));
            int b = before.get(name);
            double v0 = masked ? 1 : b;
            sb.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                    + "fill=\"#bbb\" data-layer=\"%s\" data-seed=\"unpruned\" %s><title>%s, unpruned: %s</title></rect>\n",
                    masked ? "density" : "width", left, y0, x.px(v0) - left, barH - 1, esc(name),
                    masked ? "data-density=\"1.0\"" : "data-channels=\"" + b + "\"", esc(name),
                    masked ? "all weights" : b + " channels"));
            for (int s = 0; s < pruning.size(); s++) {
                Pruning p = pruning.get(s);
                LayerWidth l = p.layers().stream().filter(z -> z.layer().equals(name)).findFirst().orElse(null);
                if (l == null) {
                    continue;
                }
                double v = masked ? (Double.isFinite(l.density()) ? l.density() : 1) : l.after();
                String what = masked ? (Double.isFinite(l.density())
                        ? String.format(Locale.ROOT, "%.1f%% of weights", 100 * l.density()) : "not masked")
                        : l.after() == 0 ? "removed" : l.after() + " of " + l.before() + " channels";
                sb.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                        + "fill=\"%s\" data-layer=\"%s\" data-seed=\"%d\" %s><title>%s, seed %d: %s</title></rect>\n",
                        masked ? "density" : "width", left, y0 + (s + 1) * barH, x.px(v) - left, barH - 1, colour(s),
                        esc(name), p.seed(), masked ? "data-density=\"" + l.density() + "\"" : "data-channels=\"" + l.after()
                        + "\"", esc(name), p.seed(), esc(what)));
            }
        }
        for (int s = 0; s < pruning.size(); s++) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"8\" fill=\"%s\"/><text x=\"%d\" "
                    + "y=\"%d\">seed %d</text>", left + 70 * s, h - 18, colour(s), left + 70 * s + 14, h - 10,
                    pruning.get(s).seed()));
        }
        sb.append("</svg>\n<p class=\"caption\">Grey: the unpruned network; coloured: each seed's pruned model"
                + (masked ? " (fraction of each layer's weights its mask keeps)." : " (layers whose output may be pruned).")
                + "</p>\n");
        // the same numbers as a table
        sb.append("<details><summary>as a table</summary><table class=\"widths\"><tr><th>layer</th><th>unpruned</th>");
        pruning.forEach(p -> sb.append("<th>seed ").append(p.seed()).append("</th>"));
        sb.append("</tr>\n");
        for (String name : layers) {
            sb.append("<tr><td>").append(esc(name)).append("</td><td>").append(masked ? "1" : before.get(name)).append("</td>");
            for (Pruning p : pruning) {
                LayerWidth l = p.layers().stream().filter(z -> z.layer().equals(name)).findFirst().orElse(null);
                sb.append("<td>").append(l == null ? "-" : masked ? (Double.isFinite(l.density())
                        ? String.format(Locale.ROOT, "%.4f", l.density()) : "1") : String.valueOf(l.after())).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table></details>\n");
    }

    private static void blocks(StringBuilder sb, List<Pruning> pruning) {
        List<Block> names = pruning.stream().filter(p -> !p.blocks().isEmpty()).findFirst().orElseThrow().blocks();
        int cell = 22;
        int left = 80;
        int w = Math.max(360, left + names.size() * cell + 20);
        int h = TOP + pruning.size() * cell + 60;
        sb.append(String.format(Locale.ROOT, "<svg class=\"blocks\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\" xmlns=\"http://www.w3.org/2000/svg\">\n", w, h, w, h));
        for (int b = 0; b < names.size(); b++) {
            sb.append(String.format(Locale.ROOT, "<text transform=\"translate(%d %d) rotate(-45)\" text-anchor=\"end\">%s"
                    + "</text>", left + b * cell + cell / 2, TOP + pruning.size() * cell + 8, esc(names.get(b).name())));
        }
        for (int s = 0; s < pruning.size(); s++) {
            Pruning p = pruning.get(s);
            int y0 = TOP + s * cell;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seed %d</text>\n", left - 6,
                    y0 + cell / 2 + 4, p.seed()));
            for (int b = 0; b < p.blocks().size(); b++) {
                Block k = p.blocks().get(b);
                sb.append(String.format(Locale.ROOT, "<rect class=\"block\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                        + "fill=\"%s\" stroke=\"#555\" data-block=\"%s\" data-seed=\"%d\" data-removed=\"%b\"><title>%s, "
                        + "seed %d: %s%s</title></rect>\n", left + b * cell + 2, y0 + 2, cell - 4, cell - 4,
                        k.removed() ? "#fff" : "#1f77b4", esc(k.name()), p.seed(), k.removed(), esc(k.name()), p.seed(),
                        k.removed() ? "removed" : "kept", Double.isNaN(k.scale()) ? ""
                                : String.format(Locale.ROOT, ", trained scale %.4g", k.scale())));
            }
        }
        sb.append("</svg>\n<p class=\"caption\">Residual blocks of the unpruned network, per seed: filled kept, "
                + "empty removed by the pruning (its lineage's removedBlocks).</p>\n");
        if (pruning.stream().flatMap(p -> p.blocks().stream()).anyMatch(k -> !Double.isNaN(k.scale()))) {
            // the scales decide the selection: a reader should see how near zero the removed (and the kept) ones were
            sb.append("<table class=\"scales\"><tr><th>block</th>");
            pruning.forEach(p -> sb.append("<th>seed ").append(p.seed()).append("</th>"));
            sb.append("</tr>\n");
            for (int b = 0; b < names.size(); b++) {
                sb.append("<tr><td>").append(esc(names.get(b).name())).append("</td>");
                for (Pruning p : pruning) {
                    Block k = b < p.blocks().size() ? p.blocks().get(b) : null;
                    sb.append("<td>").append(k == null || Double.isNaN(k.scale()) ? "-"
                            : String.format(Locale.ROOT, "%.4g%s", k.scale(), k.removed() ? " (removed)" : "")).append("</td>");
                }
                sb.append("</tr>\n");
            }
            sb.append("</table>\n<p class=\"caption\">The trained block scales the selection saw (lineage's "
                    + "blockScales): sparse structure selection removes the blocks whose scale is exactly 0; "
                    + "sss-magnitude the smallest |scale| down to the target depth.</p>\n");
        }
    }

    /**
     * Network Slimming: per seed, the histogram of the BN scales at the end of sparsity training, as the pruned run of
     * the table holds it (read from its checkpoint's lineage), with the near-zero threshold marked. Nothing for other
     * methods.
     */
    private static void scales(StringBuilder sb, ResultTable t) {
        List<ResultTable.Run> runs = t.rows().stream().filter(r -> r.model().equals(ResultTable.PRUNED))
                .flatMap(r -> r.runs().stream()).filter(r -> r.scaleHistogram() != null).toList();
        if (runs.isEmpty()) {
            return;
        }
        sb.append("<h2>BN scales after sparsity training</h2>\n<div>");
        int w = 440;
        int h = 260;
        for (ResultTable.Run run : runs) {
            JsonObject hist = run.scaleHistogram();
            List<Double> edges = hist.getAsJsonArray("edges").asList().stream().map(JsonElement::getAsDouble).toList();
            List<Integer> counts = hist.getAsJsonArray("counts").asList().stream().map(JsonElement::getAsInt).toList();
            double threshold = hist.get("threshold").getAsDouble();
            double fraction = hist.get("fractionBelow").getAsDouble();
            boolean sparse = !t.notSparse(hist);
            int most = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
            Scale x = new Scale(0, edges.get(edges.size() - 1), false, LEFT, w - 20);
            Scale y = Scale.of(0, Math.max(most, 1), false, h - BOTTOM, TOP);
            y = new Scale(0, y.hi(), false, h - BOTTOM, TOP);
            sb.append(String.format(Locale.ROOT, "<svg class=\"scales\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                    + "font-family=\"sans-serif\" font-size=\"11\" xmlns=\"http://www.w3.org/2000/svg\" data-seed=\"%d\" "
                    + "data-channels=\"%d\" data-below=\"%d\" data-fraction-below=\"%s\" data-threshold=\"%s\" "
                    + "data-sparse=\"%b\">\n", w, h, w, h, run.seed(), hist.get("channels").getAsInt(),
                    hist.get("below").getAsInt(), fraction, threshold, sparse));
            axes(sb, x, y, w, h, "|gamma| (BN scale), seed " + run.seed(), "channels",
                    v -> new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString(),
                    HtmlReport::trim);
            for (int b = 0; b < counts.size(); b++) {
                double x0 = x.px(edges.get(b));
                double x1 = x.px(edges.get(b + 1));
                double top = y.px(counts.get(b));
                sb.append(String.format(Locale.ROOT, "<rect class=\"scale-bin\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        + "height=\"%.1f\" fill=\"%s\" data-seed=\"%d\" data-lo=\"%s\" data-hi=\"%s\" data-count=\"%d\">"
                        + "<title>seed %d: %d channels with |gamma| in [%s, %s%s</title></rect>\n", x0, top,
                        Math.max(x1 - x0 - 1, 0.5), y.px(0) - top, colour(0), run.seed(), edges.get(b), edges.get(b + 1),
                        counts.get(b), run.seed(), counts.get(b), trim4(edges.get(b)), trim4(edges.get(b + 1)),
                        b == counts.size() - 1 ? "]" : ")"));
            }
            if (threshold <= x.hi()) {
                double px = x.px(threshold);
                sb.append(String.format(Locale.ROOT, "<line class=\"near-zero\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        + "y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"4 3\" data-threshold=\"%s\"><title>near zero: "
                        + "|gamma| below %s</title></line>\n", px, y.p1(), px, y.p0(), threshold, threshold));
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">%s</text>\n",
                    w - 24, TOP + 12, sparse ? "#222" : "#d62728", esc(String.format(Locale.ROOT, "%.1f%% below %s%s",
                            100 * fraction, threshold, sparse ? "" : ": not sparse"))));
            sb.append("</svg>\n");
        }
        sb.append("</div>\n<p class=\"caption\">Each seed's BatchNorm scales |gamma| over the prunable channels when "
                + "sparsity training ended (the pruned checkpoint's lineage.settings.scaleHistogram), in equal bins from 0 "
                + "to the largest; dashed red: the near-zero threshold. Slimming should leave most of the mass near zero; "
                + "where fewer scales are near zero than the cut removes, " + esc(ResultTable.NOT_SLIMMING) + ".</p>\n");
    }

    private static String trim4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Per row with a history: test accuracy, and test (solid) and training (dashed) loss per epoch, a line per seed. */
    private static void curves(StringBuilder sb, ResultTable t, Map<String, List<Curve>> curves) {
        sb.append("<h2>Training curves</h2>\n");
        if (curves.isEmpty()) {
            sb.append("<p>No training history recorded.</p>\n");
            return;
        }
        List<Long> seeds = t.rows().stream().flatMap(r -> r.runs().stream()).map(ResultTable.Run::seed).distinct().toList();
        for (ResultTable.Row row : t.rows()) {
            List<Curve> cs = curves.get(row.model());
            if (cs == null) {
                continue;
            }
            sb.append("<h3>").append(esc(row.model())).append("</h3>\n<div>");
            chart(sb, row.model(), cs, seeds, "test-accuracy", "test accuracy (%)");
            chart(sb, row.model(), cs, seeds, "loss", "loss (test solid, training dashed)");
            sb.append("</div>\n");
        }
        sb.append("<p class=\"caption\">One line per seed (colour by seed, as in the legend); epochs count from 1 within "
                + "each mode's own training. From the history each checkpoint keeps (manifest training.history).</p>\n");
    }

    private static void chart(StringBuilder sb, String row, List<Curve> cs, List<Long> seeds, String metric, String label) {
        boolean acc = metric.equals("test-accuracy");
        int w = 440;
        int h = 260;
        int right = 80;
        double eMax = cs.stream().flatMap(c -> c.points().stream()).mapToInt(Point::epoch).max().orElse(1);
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (Curve c : cs) {
            for (Point p : c.points()) {
                for (double v : acc ? new double[] {100 * p.testAccuracy()} : new double[] {p.testLoss(), p.trainLoss()}) {
                    if (Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (lo > hi) {
            return; // nothing recorded for this metric
        }
        Scale x = Scale.of(1, Math.max(eMax, 2), false, LEFT, w - right);
        Scale y = Scale.of(lo, hi, false, h - BOTTOM, TOP);
        sb.append(String.format(Locale.ROOT, "<svg class=\"curve %s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\" xmlns=\"http://www.w3.org/2000/svg\">\n", metric, w, h, w, h));
        axes(sb, x, y, w, h, "epoch", label, v -> Math.abs(v - Math.rint(v)) < 1e-9 ? trim(v) : "",
                v -> String.format(Locale.ROOT, acc ? "%.1f" : "%.3g", v));
        for (Curve c : cs) {
            String colour = colour(seeds.indexOf(c.seed()));
            if (acc) {
                line(sb, row, c, "test-accuracy", c.points().stream().map(p -> new double[] {p.epoch(), 100 * p.testAccuracy()})
                        .toList(), x, y, colour, null);
            } else {
                line(sb, row, c, "test-loss", c.points().stream().map(p -> new double[] {p.epoch(), p.testLoss()}).toList(),
                        x, y, colour, null);
                line(sb, row, c, "train-loss", c.points().stream().map(p -> new double[] {p.epoch(), p.trainLoss()}).toList(),
                        x, y, colour, "4 3");
            }
        }
        for (int s = 0; s < cs.size(); s++) {
            long seed = cs.get(s).seed();
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">seed %d</text>", w - right + 10,
                    TOP + 12 + 14 * s, colour(seeds.indexOf(seed)), seed));
        }
        sb.append("</svg>\n");
    }

    /** A polyline through the finite points, each also a dot (one epoch alone is still visible). */
    private static void line(StringBuilder sb, String row, Curve c, String metric, List<double[]> pts, Scale x, Scale y,
            String colour, String dash) {
        List<double[]> ok = pts.stream().filter(p -> Double.isFinite(p[1])).toList();
        if (ok.isEmpty()) {
            return;
        }
        StringBuilder points = new StringBuilder();
        StringBuilder values = new StringBuilder();
        for (double[] p : ok) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.px(p[0]), y.px(p[1])));
            values.append(String.format(Locale.ROOT, "%d:%s ", (int) p[0], p[1]));
        }
        sb.append(String.format(Locale.ROOT, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s "
                + "data-row=\"%s\" data-seed=\"%d\" data-metric=\"%s\" data-points=\"%d\" data-values=\"%s\" points=\"%s\">"
                + "<title>%s, seed %d, %s</title></polyline>\n", colour, dash == null ? "" : " stroke-dasharray=\"" + dash
                + "\"", esc(row), c.seed(), metric, ok.size(), values.toString().trim(), points.toString().trim(), esc(row),
                c.seed(), metric));
        if (ok.size() <= 40) {
            for (double[] p : ok) {
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>", x.px(p[0]),
                        y.px(p[1]), colour));
            }
            sb.append('\n');
        }
    }

    private static void setup(StringBuilder sb, JsonObject setup) {
        sb.append("<h2>Setup</h2>\n<dl class=\"setup\">\n");
        for (Map.Entry<String, JsonElement> e : setup.entrySet()) {
            JsonElement v = e.getValue();
            sb.append("<dt>").append(esc(e.getKey())).append("</dt><dd>")
                    .append(esc(v.isJsonPrimitive() ? v.getAsString() : v.toString())).append("</dd>\n");
        }
        sb.append("</dl>\n");
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && o.get(k).isJsonPrimitive() ? o.get(k).getAsString() : "?";
    }

    /** Text for HTML content and quoted attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
