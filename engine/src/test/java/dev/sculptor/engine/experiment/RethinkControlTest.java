package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.cli.EngineCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control of Scratch-B (the unpruned model for Scratch-B's epochs) and baselines shared between experiments of
 * several methods. Tiny subsets of the real Fashion-MNIST.
 */
class RethinkControlTest {
    private static final String[] DATA = {"--arch", "lenet", "--train-subset", "200", "--test-subset", "100", "--epochs",
        "1", "--batch-size", "32", "--json"};

    @BeforeAll
    static void needsFashionMnist() {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "apt-get install dataset-fashion-mnist");
    }

    private static JsonObject rethink(Path out, String... args) throws Exception {
        String[] all = Stream.of(new String[] {"rethink"}, args, DATA, new String[] {"--out", out.toString()})
                .flatMap(java.util.Arrays::stream).toArray(String[]::new);
        assertEquals(0, EngineCli.execute(all), "rethink " + String.join(" ", all));
        return JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
    }

    private static JsonObject row(JsonObject table, String model) {
        return table.getAsJsonArray("rows").asList().stream().map(e -> e.getAsJsonObject())
                .filter(r -> r.get("model").getAsString().equals(model)).findFirst().orElseThrow(() -> new AssertionError(model));
    }

    @Test
    void theControlTrainsTheUnprunedModelForScratchBsEpochsFromTheBaselinesInit(@TempDir Path dir) throws Exception {
        JsonObject t = rethink(dir.resolve("l1"), "--method", "l1", "--ratio", "0.5", "--modes", "scratch-b", "--control",
                "--baselines", dir.resolve("baselines").toString());
        JsonObject control = row(t, Rethink.CONTROL);
        JsonObject scratchB = row(t, "scratch-b");
        JsonObject unpruned = row(t, "unpruned");
        // the budget of Scratch-B (floor(1 x FLOPs ratio) > 1 epoch at ratio 0.5) on the unpruned architecture
        int epochs = scratchB.get("epochs").getAsInt();
        assertTrue(epochs > 1, "halving LeNet's channels saves FLOPs: " + epochs);
        assertEquals(epochs, control.get("epochs").getAsInt());
        assertEquals(unpruned.get("flops").getAsLong(), control.get("flops").getAsLong());
        assertEquals(unpruned.get("params").getAsLong(), control.get("params").getAsLong());
        assertTrue(t.getAsJsonObject("setup").get("control").getAsBoolean());
        assertTrue(Files.readString(dir.resolve("l1/results.md")).contains("| " + Rethink.CONTROL + " |"));
        // the shared baseline and the control (named by its epochs) live under --baselines, its schedule stretched
        Path shared = dir.resolve("baselines/seed-1");
        assertTrue(Files.exists(shared.resolve("baseline/manifest.json")));
        assertTrue(Files.exists(shared.resolve(Rethink.INIT + "/manifest.json")));
        assertFalse(Files.exists(dir.resolve("l1/seed-1/baseline")));
        Path c = shared.resolve(Rethink.CONTROL + "-" + epochs);
        assertFalse(Files.exists(dir.resolve("l1/seed-1/" + Rethink.CONTROL)));
        assertEquals(epochs, CheckpointDir.readManifest(c).lineage().settings().get("epochs").getAsInt());
        assertEquals(shared.resolve("baseline").toString(), CheckpointDir.readManifest(dir.resolve("l1/seed-1/pruned"))
                .lineage().parent());

        // a second method reuses the shared baseline: its unpruned row is the same model, bit for bit
        JsonObject t2 = rethink(dir.resolve("thinet"), "--method", "thinet", "--ratio", "0.5", "--samples", "32", "--modes",
                "fine-tune", "--baselines", dir.resolve("baselines").toString());
        assertEquals(unpruned.get("accuracyMean").getAsDouble(), row(t2, "unpruned").get("accuracyMean").getAsDouble());
        assertEquals(shared.resolve("baseline").toString(), row(t2, "unpruned").getAsJsonArray("runs").get(0).getAsJsonObject()
                .get("checkpoint").getAsString());
        assertFalse(t2.getAsJsonArray("rows").asList().stream()
                .anyMatch(r -> r.getAsJsonObject().get("model").getAsString().equals(Rethink.CONTROL)), "no --control");
        // a third method with the same Scratch-B budget reuses the control too: same model, same accuracy
        JsonObject t3 = rethink(dir.resolve("thinet-b"), "--method", "thinet", "--ratio", "0.5", "--samples", "32", "--modes",
                "scratch-b", "--control", "--baselines", dir.resolve("baselines").toString());
        assertEquals(epochs, row(t3, "scratch-b").get("epochs").getAsInt(), "the same channel counts, the same budget");
        assertEquals(control.get("accuracyMean").getAsDouble(), row(t3, Rethink.CONTROL).get("accuracyMean").getAsDouble());
        assertEquals(c.toString(), row(t3, Rethink.CONTROL).getAsJsonArray("runs").get(0).getAsJsonObject().get("checkpoint")
                .getAsString());
        // the control started from the baseline's initial weights: trained differently, so its first layer moved away
        try (Network init = ModelCheckpoint.load(shared.resolve(Rethink.INIT)).network();
                Network ctl = ModelCheckpoint.load(c).network();
                Network base = ModelCheckpoint.load(shared.resolve("baseline")).network()) {
            assertEquals(init.spec(), ctl.spec());
            assertFalse(java.util.Arrays.equals(base.array("features.0.conv.weight").toFloatArray(),
                    ctl.array("features.0.conv.weight").toFloatArray()), "more epochs than the baseline");
            assertArrayEquals(init.array("features.0.conv.weight").getShape().getShape(),
                    ctl.array("features.0.conv.weight").getShape().getShape());
        }
    }

    @Test
    void settingsThatOnlyDecideTheCutShareTheSparsityTrainedBaselineAndTheHooksOwnDoNot(@TempDir Path dir) throws Exception {
        // what the baseline's hooks depend on: lambda for slimming, gamma for sss; never the percent, selection or depth
        assertEquals(new dev.sculptor.engine.prune.NetworkSlimming(0.5, 1e-3).baselineSettings(),
                new dev.sculptor.engine.prune.NetworkSlimming(0.3, 1e-3).baselineSettings());
        assertFalse(new dev.sculptor.engine.prune.NetworkSlimming(0.5, 1e-3).baselineSettings()
                .equals(new dev.sculptor.engine.prune.NetworkSlimming(0.5, 2e-3).baselineSettings()));
        var zero = new dev.sculptor.engine.prune.SparseStructureSelection(0.1, null, null);
        var depth = new dev.sculptor.engine.prune.SparseStructureSelection(0.1, null, 8);
        assertFalse(zero.settings().equals(depth.settings()));
        assertEquals(zero.baselineSettings(), depth.baselineSettings());
        assertFalse(zero.baselineSettings().equals(new dev.sculptor.engine.prune.SparseStructureSelection(0.2, null, null)
                .baselineSettings()));

        JsonObject half = rethink(dir.resolve("half"), "--method", "slimming", "--percent", "0.5", "--lambda", "1e-3",
                "--modes", "fine-tune");
        Path base = dir.resolve("half/seed-1/baseline");
        String trainedAt = CheckpointDir.readManifest(base).createdAt();
        // another cut of the same sparsity training: its baseline, copied in, is reused as it is
        for (Path from : List.of(base, dir.resolve("half/seed-1/" + Rethink.INIT))) {
            copyStep(from, dir.resolve("third/seed-1").resolve(from.getFileName()));
        }
        JsonObject third = rethink(dir.resolve("third"), "--method", "slimming", "--percent", "0.3", "--lambda", "1e-3",
                "--modes", "fine-tune");
        assertEquals(trainedAt, CheckpointDir.readManifest(dir.resolve("third/seed-1/baseline")).createdAt(), "reused");
        assertEquals(row(half, "unpruned").get("accuracyMean").getAsDouble(),
                row(third, "unpruned").get("accuracyMean").getAsDouble());
        assertTrue(row(third, "pruned").get("params").getAsLong() > row(half, "pruned").get("params").getAsLong(),
                "30% of the channels cut, not 50%");
        // another lambda is another baseline: refused, the copied run left as it was
        for (Path from : List.of(base, dir.resolve("half/seed-1/" + Rethink.INIT))) {
            copyStep(from, dir.resolve("other/seed-1").resolve(from.getFileName()));
        }
        String[] other = Stream.of(new String[] {"rethink", "--method", "slimming", "--percent", "0.5", "--lambda", "2e-3",
            "--modes", "fine-tune"}, DATA, new String[] {"--out", dir.resolve("other").toString()})
                .flatMap(java.util.Arrays::stream).toArray(String[]::new);
        assertTrue(EngineCli.execute(other) != 0, "a baseline trained with lambda 1e-3 is not one trained with 2e-3");
        assertEquals(trainedAt, CheckpointDir.readManifest(dir.resolve("other/seed-1/baseline")).createdAt());
    }

    @Test
    void aPenalisedBaselineGetsASecondControlTrainedWithoutThePenalty(@TempDir Path dir) throws Exception {
        // a lambda large enough that the penalty visibly pulls the BN scales down within the control's few steps
        JsonObject t = rethink(dir.resolve("slim"), "--method", "slimming", "--percent", "0.5", "--lambda", "0.5", "--modes",
                "scratch-b", "--control");
        JsonObject recipe = row(t, Rethink.CONTROL);
        JsonObject plain = row(t, Rethink.CONTROL_PLAIN);
        assertEquals(row(t, "scratch-b").get("epochs").getAsInt(), plain.get("epochs").getAsInt(), "Scratch-B's budget");
        assertEquals(recipe.get("params").getAsLong(), plain.get("params").getAsLong(), "the same unpruned architecture");
        assertTrue(t.getAsJsonArray("comparisons").asList().stream().map(e -> e.getAsJsonObject())
                .anyMatch(c -> c.get("row").getAsString().equals("scratch-b")
                        && c.get("against").getAsString().equals(Rethink.CONTROL_PLAIN)));
        Path seed = dir.resolve("slim/seed-1");
        // both from the baseline's initial weights; only the recipe's control was penalised: its scales are far smaller
        try (Network penalised = ModelCheckpoint.load(seed.resolve(Rethink.CONTROL)).network();
                Network free = ModelCheckpoint.load(seed.resolve(Rethink.CONTROL_PLAIN)).network()) {
            double p = scaleMass(penalised);
            double f = scaleMass(free);
            assertTrue(p < 0.5 * f, "penalised |gamma| " + p + " vs plain " + f);
        }
        JsonObject fp = JsonParser.parseString(Files.readString(StepFingerprint.fileOf(seed.resolve(Rethink.CONTROL_PLAIN))))
                .getAsJsonObject();
        assertFalse(fp.toString().contains("\"lambda\""), "the plain control's fingerprint holds no penalty: " + fp);

        // a method without hooks has one control: the recipe is the plain training
        JsonObject l1 = rethink(dir.resolve("l1"), "--method", "l1", "--ratio", "0.5", "--modes", "scratch-b", "--control");
        row(l1, Rethink.CONTROL);
        assertFalse(l1.getAsJsonArray("rows").asList().stream()
                .anyMatch(r -> r.getAsJsonObject().get("model").getAsString().equals(Rethink.CONTROL_PLAIN)));
    }

    /** The summed |gamma| of every BatchNorm scale that slimming ranks. */
    private static double scaleMass(Network net) {
        double sum = 0;
        for (float[] g : dev.sculptor.engine.prune.Importances.bnScale().scores(net).values()) {
            for (float v : g) {
                sum += Math.abs(v);
            }
        }
        return sum;
    }

    /** A step's directory and, where it has one, its fingerprint beside it. */
    private static void copyStep(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        Path fp = StepFingerprint.fileOf(from);
        if (Files.exists(fp)) {
            Files.copy(fp, StepFingerprint.fileOf(to));
        }
    }
}
