package dev.sculptor.engine.cli;

import dev.sculptor.engine.experiment.StepFingerprint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.SoftFilterPruning;
import dev.sculptor.engine.prune.StructuredPruner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine CLI end to end, on small subsets of the real Fashion-MNIST files. */
class EngineCliTest {
    record Run(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = EngineCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @BeforeAll
    static void needsFashionMnist() {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "apt-get install dataset-fashion-mnist");
    }

    @Test
    void doctorNamesTheCpuWhatItFoundAndTheChoice() {
        Run r = run("doctor");
        assertEquals(0, r.code(), r.out() + r.err());
        String cpu = dev.sculptor.engine.numerics.Machine.current().cpu();
        assertTrue(r.out().startsWith("machine:  " + cpu), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("numerics: " + cpu) && l.contains(" exact") && l.contains("using ")),
                r.out());
        assertTrue(r.out().contains("verdict:  "), r.out());
    }

    @Test
    void archJsonCarriesParamsAndFlops() {
        Run r = run("arch", "--arch", "vgg16", "--preset", "vgg16-a", "--dataset", "cifar10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = r.json();
        LayerGraph g = LayerGraph.of(L1NormPruning.preset("vgg16-a")
                .prunedSpec(Architectures.named("vgg16", List.of(3, 32, 32), 10), "vgg16-a"));
        assertEquals(g.params(), o.get("params").getAsLong());
        assertEquals(g.macs(), o.get("flops").getAsLong());
        assertEquals(32, o.getAsJsonObject("arch").getAsJsonArray("convWidths").get(0).getAsInt());
        assertEquals(LayerGraph.of(Architectures.named("vgg16", List.of(3, 32, 32), 10)).macs(),
                o.get("originalFlops").getAsLong());
    }

    @Test
    void badInputIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        Run r = run("arch", "--arch", "alexnet");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("sculptor engine: error: unknown architecture 'alexnet'"), r.err());
        r = run("train", "--data-dir", dir.resolve("nowhere").toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nowhere"), r.err());
        r = run("rethink", "--method", "nosuch", "--quick", "--out", dir.resolve("t").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown method 'nosuch' (available: "), r.err());
        r = run("prune", "--in", dir.toString(), "--method", "l1", "--out", dir.resolve("p").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("manifest.json"), r.err());
    }

    @Test
    void trainPruneRetrainEvalChain(@TempDir Path dir) throws Exception {
        String[] data = {"--train-subset", "256", "--test-subset", "128"};
        Path base = dir.resolve("base");
        Run r = run("train", "--epochs", "3", "--batch-size", "32", "--no-augment", "--schedule", "constant",
                "--train-subset", "1024", "--test-subset", "128", "--out", base.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        double acc = r.json().get("accuracy").getAsDouble();
        assertTrue(acc > 0.5 && acc <= 1.0, "accuracy " + acc); // chance is 0.1

        Path pruned = dir.resolve("pruned");
        r = run("prune", "--in", base.toString(), "--method", "l1", "--ratio", "0.5", "--out", pruned.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject p = r.json();
        assertEquals(16, p.getAsJsonObject("keptChannels").get("features.0").getAsInt());
        assertEquals(32, p.getAsJsonObject("keptChannels").get("features.1").getAsInt());
        double ratio = (double) p.get("flopsBefore").getAsLong() / p.get("flopsAfter").getAsLong();

        Path sb = dir.resolve("scratch-b");
        r = run(concat(new String[] {"retrain", "--in", pruned.toString(), "--mode", "scratch-b", "--epochs", "1",
            "--batch-size", "32", "--out", sb.toString(), "--json"}, data));
        assertEquals(0, r.code(), r.err());
        assertEquals((int) Math.floor(ratio), r.json().get("epochs").getAsInt());
        assertEquals(p.get("flopsAfter").getAsLong(), r.json().get("flops").getAsLong());

        r = run(concat(new String[] {"eval", "--in", sb.toString(), "--json"}, data));
        assertEquals(0, r.code(), r.err());
        assertEquals(128, r.json().get("testImages").getAsInt());
        assertTrue(r.json().get("latencyMillis").getAsDouble() > 0);

        // a flipped byte in the parameters is caught before anything is loaded
        Path params = sb.resolve("params.bin");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 1;
        Files.write(params, bytes);
        r = run(concat(new String[] {"eval", "--in", sb.toString()}, data));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("params.bin: SHA-256 mismatch"), r.err());
    }

    @Test
    void rethinkQuickWritesThePapersTableAndResumes(@TempDir Path dir) throws Exception {
        String[] args = {"rethink", "--method", "l1", "--quick", "--train-subset", "300", "--test-subset", "100",
            "--epochs", "2", "--batch-size", "32", "--seeds", "1,2", "--out", dir.toString(), "--json"};
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        JsonObject table = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        JsonArray rows = table.getAsJsonArray("rows");
        Map<String, JsonObject> byModel = new HashMap<>();
        rows.forEach(e -> byModel.put(e.getAsJsonObject().get("model").getAsString(), e.getAsJsonObject()));
        assertEquals(List.of("unpruned", "pruned", "fine-tune", "scratch-e", "scratch-b"),
                rows.asList().stream().map(e -> e.getAsJsonObject().get("model").getAsString()).toList());
        long full = byModel.get("unpruned").get("flops").getAsLong();
        long small = byModel.get("scratch-b").get("flops").getAsLong();
        assertEquals((int) Math.floor(2.0 * full / small), byModel.get("scratch-b").get("epochs").getAsInt());
        assertEquals(2, byModel.get("scratch-e").get("epochs").getAsInt());
        assertEquals(2, byModel.get("fine-tune").get("seeds").getAsInt());
        assertTrue(Files.readString(dir.resolve("results.md")).contains("| scratch-b |"));
        assertTrue(Files.exists(dir.resolve("seed-2/scratch-b/manifest.json")));

        // a rerun reuses every finished step and reproduces the same table
        Run again = run(args);
        assertEquals(0, again.code(), again.err());
        JsonObject second = JsonParser.parseString(again.out()).getAsJsonObject();
        assertEquals(table.getAsJsonArray("rows").get(4).getAsJsonObject().get("accuracyMean"),
                second.getAsJsonArray("rows").get(4).getAsJsonObject().get("accuracyMean"));
        assertTrue(Files.exists(StepFingerprint.fileOf(dir.resolve("seed-1/fine-tune"))));

        // another ratio into the same directory is refused before anything there is written over, naming what differs
        byte[] pruned = Files.readAllBytes(dir.resolve("seed-1/pruned/params.bin"));
        String[] other = args.clone();
        other[java.util.Arrays.asList(args).indexOf("--out")] = "--ratio";
        other[java.util.Arrays.asList(args).indexOf("--out") + 1] = "0.3";
        String[] otherRun = java.util.stream.Stream.concat(java.util.Arrays.stream(other), java.util.stream.Stream.of("--out",
                dir.toString())).toArray(String[]::new);
        Run refused = run(otherRun);
        assertTrue(refused.code() != 0, refused.out());
        assertTrue(refused.err().contains(dir.resolve("seed-1/pruned") + " was trained with other settings (method.settings.ratio 0.5 -> 0.3"),
                refused.err());
        assertArrayEquals(pruned, Files.readAllBytes(dir.resolve("seed-1/pruned/params.bin")));
        JsonObject kept = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        assertEquals(second.getAsJsonArray("rows"), kept.getAsJsonArray("rows"));
    }

    @Test
    void rethinkWithSoftFilterPruningAndLotteryTicketRewinding(@TempDir Path dir) throws Exception {
        Run r = run("rethink", "--method", "sfp", "--rate", "0.4", "--modes", "fine-tune,lottery-ticket", "--quick",
                "--train-subset", "300", "--test-subset", "100", "--epochs", "2", "--batch-size", "32", "--out",
                dir.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject table = r.json();
        JsonArray rows = table.getAsJsonArray("rows");
        assertEquals(List.of("unpruned", "pruned", "fine-tune", "lottery-ticket"),
                rows.asList().stream().map(e -> e.getAsJsonObject().get("model").getAsString()).toList());
        Map<String, JsonObject> byModel = new HashMap<>();
        rows.forEach(e -> byModel.put(e.getAsJsonObject().get("model").getAsString(), e.getAsJsonObject()));
        // Scratch-E's budget: the baseline's 2 epochs, on the pruned architecture
        assertEquals(2, byModel.get("lottery-ticket").get("epochs").getAsInt());
        assertEquals(1, byModel.get("fine-tune").get("epochs").getAsInt());
        assertEquals(byModel.get("pruned").get("flops"), byModel.get("lottery-ticket").get("flops"));
        assertTrue(byModel.get("pruned").get("flops").getAsLong() < byModel.get("unpruned").get("flops").getAsLong());
        assertEquals("sfp", table.getAsJsonObject("setup").get("method").getAsString());
        assertEquals("[\"fine-tune\",\"lottery-ticket\"]", table.getAsJsonObject("setup").get("modes").toString());
        assertTrue(Files.readString(dir.resolve("results.md")).contains("| lottery-ticket |"));

        // the seed's initial weights were kept, and the lottery-ticket run names them in its lineage
        Path seed = dir.resolve("seed-1");
        try (Network init = ModelCheckpoint.load(seed.resolve("baseline-init")).network();
                Network fresh = Network.create(init.spec(), 1)) {
            for (String n : init.tensorNames()) {
                assertArrayEquals(fresh.array(n).toFloatArray(), init.array(n).toFloatArray(), 0f, n);
            }
        }
        Manifest lt = CheckpointDir.readManifest(seed.resolve("lottery-ticket"));
        assertEquals("lottery-ticket", lt.lineage().method());
        assertEquals(seed.resolve("baseline-init").toString(), lt.lineage().settings().get("init").getAsString());

        // the same from the command line: 0 epochs leave the start, the initial weights cut with the
        // keep map of the prune (recovered from the pruned checkpoint and its parent)
        Path cli = dir.resolve("lt-cli");
        String[] data = {"--train-subset", "64", "--test-subset", "64"};
        r = run(concat(new String[] {"retrain", "--in", seed.resolve("pruned").toString(), "--mode", "lottery-ticket",
            "--init", seed.resolve("baseline-init").toString(), "--epochs", "0", "--out", cli.toString(), "--json"}, data));
        assertEquals(0, r.code(), r.err());
        assertEquals("lottery-ticket", r.json().get("mode").getAsString());
        try (Network baseline = ModelCheckpoint.load(seed.resolve("baseline")).network();
                Network init = ModelCheckpoint.load(seed.resolve("baseline-init")).network();
                Network start = ModelCheckpoint.load(cli).network()) {
            PruneResult pr = new SoftFilterPruning(0.4, Map.of(), java.util.Set.of()).prune(baseline);
            try (Network pruned = pr.network(); Network expected = StructuredPruner.shrink(init, pr.kept(), "x")) {
                assertEquals(pruned.spec(), start.spec());
                for (String n : expected.tensorNames()) {
                    assertArrayEquals(expected.array(n).toFloatArray(), start.array(n).toFloatArray(), 0f, n);
                }
            }
        }
        r = run(concat(new String[] {"retrain", "--in", seed.resolve("pruned").toString(), "--mode", "lottery-ticket",
            "--out", dir.resolve("x").toString()}, data));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("lottery-ticket needs --init"), r.err());
    }

    /**
     * sss removes residual blocks: without --arch rethink gives it a ResNet (not lenet/vgg16, which it refuses), and
     * prune names what an sss prune needs where the checkpoint lacks it.
     */
    @Test
    void sssWithoutArchRunsOnAResNetAndPruneNamesWhatItNeeds(@TempDir Path dir) throws Exception {
        assertEquals("resnet20", CommandSupport.defaultArch("fashion-mnist", "sss"));
        assertEquals("resnet20", CommandSupport.defaultArch("cifar10", "sss"));
        Run r = run("rethink", "--method", "sss", "--modes", "fine-tune", "--train-subset", "64", "--test-subset", "32",
                "--epochs", "1", "--batch-size", "32", "--finetune-epochs", "1", "--out", dir.resolve("rt").toString(),
                "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("resnet20", r.json().getAsJsonObject("setup").get("arch").getAsString());
        assertEquals(3, r.json().getAsJsonArray("rows").size());

        // prune: a lenet is told it is no resnet; a resnet without block scales where such a baseline comes from
        Path lenet = dir.resolve("lenet");
        Path resnet = dir.resolve("resnet");
        try (Network a = Network.create(Architectures.named("lenet", List.of(1, 28, 28), 10), 1);
                Network b = Network.create(Architectures.named("resnet8", List.of(1, 28, 28), 10), 1)) {
            ModelCheckpoint.save(lenet, a, ModelCheckpoint.Info.EMPTY, null, null);
            ModelCheckpoint.save(resnet, b, ModelCheckpoint.Info.EMPTY, null, null);
        }
        r = run("prune", "--in", lenet.toString(), "--method", "sss", "--out", dir.resolve("p1").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("it needs a resnet or preresnet, got lenet"), r.err());
        r = run("prune", "--in", resnet.toString(), "--method", "sss", "--out", dir.resolve("p2").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("`engine rethink --method sss` does (its seed-<n>/baseline)"), r.err());
        // such a baseline prunes
        r = run("prune", "--in", dir.resolve("rt/seed-1/baseline").toString(), "--method", "sss", "--out",
                dir.resolve("p3").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("sss", r.json().get("method").getAsString());
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
