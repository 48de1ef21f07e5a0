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
import org.junit.jupiter.api.Test;

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

    @Test
    void unmeasuredLatencyShowsADash() {
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        runs.put("unpruned", List.of(run(1, 0.9, 0.9, 10, 20, 6, null)));
        ResultTable t = ResultTable.of(setup(), runs);
        assertNull(t.row("unpruned").latencyMillis());
        assertTrue(t.toMarkdown().contains("| 12.0 | - | - |"), t.toMarkdown());
        assertThrows(IllegalArgumentException.class, () -> ResultTable.row("empty", List.of()));
    }
}
