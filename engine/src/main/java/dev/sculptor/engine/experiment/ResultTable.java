package dev.sculptor.engine.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The paper's table: one row per model, accuracy as mean and std over seeds, with the costs. */
public record ResultTable(JsonObject setup, List<Row> rows) {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** One measured model of one seed. */
    public record Run(double accuracy, double loss, long params, long flops, int epochs, double seconds,
            double latencyMillis, double imagesPerSecond) {}

    /** A table row: aggregates of the runs (one per seed) of one model. */
    public record Row(String model, int seeds, double accuracyMean, double accuracyStd, double lossMean, long params,
            long flops, int epochs, double secondsMean, double latencyMillis, double imagesPerSecond, List<Run> runs) {}

    static ResultTable of(RethinkConfig cfg, Map<String, List<Run>> runs) {
        return of(cfg, runs, Map.of());
    }

    /** @param refused retrain modes that were not run, each with why (in the setup and under the table) */
    static ResultTable of(RethinkConfig cfg, Map<String, List<Run>> runs, Map<String, String> refused) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            List<Run> r = e.getValue();
            double mean = r.stream().mapToDouble(Run::accuracy).average().orElse(Double.NaN);
            double var = r.stream().mapToDouble(x -> (x.accuracy() - mean) * (x.accuracy() - mean)).sum()
                    / Math.max(1, r.size() - 1);
            rows.add(new Row(e.getKey(), r.size(), mean, r.size() > 1 ? Math.sqrt(var) : 0,
                    r.stream().mapToDouble(Run::loss).average().orElse(Double.NaN),
                    r.get(0).params(), r.get(0).flops(), r.get(0).epochs(),
                    r.stream().mapToDouble(Run::seconds).average().orElse(0),
                    r.stream().mapToDouble(Run::latencyMillis).average().orElse(0),
                    r.stream().mapToDouble(Run::imagesPerSecond).average().orElse(0), List.copyOf(r)));
        }
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
        if (!refused.isEmpty()) {
            setup.add("refusedModes", GSON.toJsonTree(refused));
        }
        return new ResultTable(setup, rows);
    }

    public Row row(String model) {
        return rows.stream().filter(r -> r.model().equals(model)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no row " + model));
    }

    public String toJson() {
        return GSON.toJson(this);
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s on %s, pruned with %s %s; baseline %s epochs; seeds %s%n%n",
                setup.get("arch").getAsString(), setup.get("dataset").getAsString(), setup.get("method").getAsString(),
                setup.get("methodSettings"), setup.getAsJsonObject("baseline").get("epochs"), setup.get("seeds")));
        sb.append("| model | accuracy (%) | params | FLOPs | epochs | wall time (s) | latency (ms) | throughput (img/s) |\n");
        sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append(String.format("| %s | %.2f ± %.2f | %,d | %,d | %d | %.1f | %.3f | %,.0f |%n", r.model(),
                    100 * r.accuracyMean(), 100 * r.accuracyStd(), r.params(), r.flops(), r.epochs(), r.secondsMean(),
                    r.latencyMillis(), r.imagesPerSecond()));
        }
        if (rows.stream().anyMatch(r -> r.model().equals(RetrainMode.LOTTERY_TICKET.id()))) {
            sb.append(String.format("%nlottery-ticket: the pruned model trained from the baseline's own initial weights (kept "
                    + "channels, or masks, of the initialisation; Frankle and Carbin 2019) for Scratch-E's epochs and schedule%n"));
        }
        if (setup.has("refusedModes")) {
            setup.getAsJsonObject("refusedModes").entrySet().forEach(e -> sb.append(String.format(
                    "%nnot run: %s (%s)%n", e.getKey(), e.getValue().getAsString())));
        }
        return sb.toString();
    }

    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.json"), toJson());
            Files.writeString(dir.resolve("results.md"), toMarkdown());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir + ": " + e.getMessage(), e);
        }
    }
}
