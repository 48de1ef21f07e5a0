package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.cli.EngineCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lottery-ticket rewinding inside the rethink experiment: the keep map travels in the pruned checkpoint's manifest,
 * and a mode that cannot apply is refused without costing the other rows, on the first seed or a later one. Tiny subsets of the real Fashion-MNIST.
 */
class RethinkLotteryTicketTest {
    private static final String[] DATA = {"--train-subset", "200", "--test-subset", "100", "--epochs", "1",
        "--batch-size", "32", "--finetune-epochs", "1", "--json"};

    @BeforeAll
    static void needsFashionMnist() {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "apt-get install dataset-fashion-mnist");
    }

    private static JsonObject rethink(Path out, String... args) throws Exception {
        String[] all = java.util.stream.Stream.of(new String[] {"rethink"}, args, DATA, new String[] {"--out", out.toString()})
                .flatMap(java.util.Arrays::stream).toArray(String[]::new);
        assertEquals(0, EngineCli.execute(all), "rethink " + String.join(" ", all));
        return JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
    }

    private static List<String> models(JsonObject table) {
        return table.getAsJsonArray("rows").asList().stream().map(e -> e.getAsJsonObject().get("model").getAsString()).toList();
    }

    /**
     * The paper's zero selection where no scale reached zero in one tiny epoch: nothing is removed, and the ticket is
     * still the initial network (its block scales folded away as in the pruned model), not a refusal.
     */
    @Test
    void sparseStructureSelectionThatRemovesNoBlockStillRewinds(@TempDir Path dir) throws Exception {
        JsonObject table = rethink(dir, "--arch", "resnet14", "--method", "sss", "--modes", "lottery-ticket");
        assertEquals(List.of("unpruned", "pruned", "lottery-ticket"), models(table));
        assertTrue(!table.getAsJsonObject("setup").has("refusedModes"), table.getAsJsonObject("setup").toString());
        Path seed = dir.resolve("seed-1");
        assertEquals(0, CheckpointDir.readManifest(seed.resolve("pruned")).lineage().settings()
                .getAsJsonArray("removedBlocks").size(), "no block removed");
        try (Network pruned = ModelCheckpoint.load(seed.resolve("pruned")).network();
                Network init = ModelCheckpoint.load(seed.resolve(Rethink.INIT)).network();
                Network start = Rethink.start(RetrainMode.LOTTERY_TICKET, pruned, 1, seed.resolve(Rethink.INIT),
                        seed.resolve("pruned"))) {
            assertEquals(pruned.spec(), start.spec());
            for (String n : List.of("conv1.weight", "layer1.0.conv1.weight", "layer3.1.conv2.weight", "fc.weight")) {
                assertArrayEquals(init.array(n).toFloatArray(), start.array(n).toFloatArray(), 0f, n);
            }
        }
    }

    @Test
    void sparseStructureSelectionRewindsTheInitialNetworkWithoutTheRemovedBlocks(@TempDir Path dir) throws Exception {
        // resnet14 has two blocks a stage; a target depth of 8 leaves one, so SSS removes whole blocks
        JsonObject table = rethink(dir, "--arch", "resnet14", "--method", "sss", "--target-depth", "8", "--modes",
                "fine-tune,lottery-ticket");
        assertEquals(List.of("unpruned", "pruned", "fine-tune", "lottery-ticket"), models(table));
        Path seed = dir.resolve("seed-1");
        List<String> removed = CheckpointDir.readManifest(seed.resolve("pruned")).lineage().settings()
                .getAsJsonArray("removedBlocks").asList().stream().map(e -> e.getAsString()).toList();
        assertTrue(!removed.isEmpty(), "sss removed blocks");
        try (Network pruned = ModelCheckpoint.load(seed.resolve("pruned")).network();
                Network init = ModelCheckpoint.load(seed.resolve(Rethink.INIT)).network();
                Network start = Rethink.start(RetrainMode.LOTTERY_TICKET, pruned, 1, seed.resolve(Rethink.INIT),
                        seed.resolve("pruned"))) {
            assertEquals(pruned.spec(), start.spec());
            // the stem and the classifier are the initial ones
            for (String n : List.of("conv1.weight", "fc.weight")) {
                assertArrayEquals(init.array(n).toFloatArray(), start.array(n).toFloatArray(), 0f, n);
            }
            // each stage's kept blocks are the initial ones, renumbered; a removed first block keeps only its shortcut
            for (int stage = 1; stage <= 3; stage++) {
                String first = "layer" + stage + ".0";
                assertEquals(!removed.contains(first), start.tensorNames().contains(first + ".conv1.weight"), first);
                String second = "layer" + stage + ".1";
                if (!removed.contains(second)) {
                    assertArrayEquals(init.array(second + ".conv1.weight").toFloatArray(),
                            start.array("layer" + stage + ".1.conv1.weight").toFloatArray(), 0f, second);
                }
                if (!removed.contains(first)) {
                    assertArrayEquals(init.array(first + ".conv1.weight").toFloatArray(),
                            start.array(first + ".conv1.weight").toFloatArray(), 0f, first);
                }
            }
        }
    }

    /**
     * An initial-weights checkpoint that is not the pruned model's ancestor (a LeNet of 5 classes where the data has
     * 10, as if copied from another experiment): rethink keeps a {@code baseline-init} it finds, so lottery-ticket
     * cannot cut it like the pruned model, which is the real refusal path of {@link Rethink#start} (every method
     * records its keep map, so none refuses by itself).
     */
    private static void plantForeignInit(Path seedDir) {
        try (Network other = Network.create(Architectures.named("lenet", List.of(1, 28, 28), 5), 7)) {
            ModelCheckpoint.save(seedDir.resolve(Rethink.INIT), other, ModelCheckpoint.Info.EMPTY, null, null);
        }
    }

    private static List<Long> seedsOf(JsonObject table, String model) {
        return table.getAsJsonArray("rows").asList().stream().map(e -> e.getAsJsonObject())
                .filter(r -> r.get("model").getAsString().equals(model)).findFirst().orElseThrow()
                .getAsJsonArray("runs").asList().stream().map(e -> e.getAsJsonObject().get("seed").getAsLong()).toList();
    }

    @Test
    void aModeRefusedOnTheFirstSeedHasNoRowAndTheTableNamesWhy(@TempDir Path dir) throws Exception {
        plantForeignInit(dir.resolve("seed-1"));
        JsonObject table = rethink(dir, "--arch", "lenet", "--method", "l1", "--ratio", "0.5", "--modes",
                "fine-tune,lottery-ticket");
        // the other modes ran and were written; the refused one has no row and trained nothing
        assertEquals(List.of("unpruned", "pruned", "fine-tune"), models(table));
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| fine-tune |") && !md.contains("| lottery-ticket |"), md);
        assertTrue(!Files.exists(dir.resolve("seed-1/lottery-ticket")), "nothing trained for the refused mode");
        String why = table.getAsJsonObject("setup").getAsJsonObject("refusedModes").get("lottery-ticket").getAsString();
        assertTrue(why.startsWith("refused on seed 1: lottery-ticket: the initial network (lenet) cut with the keep map "
                + "is not the pruned architecture"), why);
        assertTrue(md.contains("not run: lottery-ticket (" + why + ")"), md);

        // a pruned checkpoint without a keep map (written before it was recorded) is refused the same way
        Path seed = dir.resolve("seed-1");
        Path old = dir.resolve("old-pruned");
        try (Network pruned = ModelCheckpoint.load(seed.resolve("pruned")).network()) {
            ModelCheckpoint.save(old, pruned, ModelCheckpoint.Info.EMPTY, null, null);
            Rethink.RefusedMode e = assertThrows(Rethink.RefusedMode.class, () -> Rethink.start(RetrainMode.LOTTERY_TICKET,
                    pruned, 1, seed.resolve(Rethink.INIT), old));
            assertTrue(e.getMessage().contains(old + " records no keep map"), e.getMessage());
        }
    }

    /**
     * Refused on a later seed: the earlier seeds' runs stay in the row (valid runs; the paired comparisons use only
     * shared seeds), the note says on which seed it was refused and which seeds the row holds, and the mode is not
     * tried on the seeds after.
     */
    @Test
    void aModeRefusedOnALaterSeedKeepsTheEarlierSeedsRowAndSaysSo(@TempDir Path dir) throws Exception {
        plantForeignInit(dir.resolve("seed-2"));
        JsonObject table = rethink(dir, "--arch", "lenet", "--method", "l1", "--ratio", "0.5", "--modes",
                "fine-tune,lottery-ticket", "--seeds", "1,2,3");
        assertEquals(List.of("unpruned", "pruned", "fine-tune", "lottery-ticket"), models(table));
        assertEquals(List.of(1L, 2L, 3L), seedsOf(table, "fine-tune"));
        assertEquals(List.of(1L), seedsOf(table, "lottery-ticket"));
        assertTrue(Files.exists(dir.resolve("seed-1/lottery-ticket/" + CheckpointDir.MANIFEST)));
        assertTrue(!Files.exists(dir.resolve("seed-3/lottery-ticket")), "not tried after the refusal");
        String why = table.getAsJsonObject("setup").getAsJsonObject("refusedModes").get("lottery-ticket").getAsString();
        assertTrue(why.startsWith("refused on seed 2: lottery-ticket: the initial network"), why);
        assertTrue(why.endsWith("; its row holds only the earlier seeds [1]; not tried on seeds [3]"), why);
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| lottery-ticket |"), md);
        assertTrue(md.contains("run on fewer seeds: lottery-ticket (" + why + ")"), md);
    }

    @Test
    void thinetWithRefitRewindsFromTheStoredKeepMap(@TempDir Path dir) throws Exception {
        rewindsFromTheStoredKeepMap(dir, "thinet");
    }

    /** Channel regression's refit reconstructs the next layer, so it too hides which channels were kept. */
    @Test
    void regressionWithRefitRewindsFromTheStoredKeepMap(@TempDir Path dir) throws Exception {
        rewindsFromTheStoredKeepMap(dir, "regression");
    }

    private static void rewindsFromTheStoredKeepMap(Path dir, String method) throws Exception {
        String[] args = {"--arch", "lenet", "--method", method, "--ratio", "0.5", "--refit", "--samples", "64", "--modes",
            "lottery-ticket"};
        JsonObject table = rethink(dir, args);
        assertEquals(List.of("unpruned", "pruned", "lottery-ticket"), models(table));
        assertEquals(method, table.getAsJsonObject("setup").get("method").getAsString());
        Path seed = dir.resolve("seed-1");
        Map<String, int[]> kept = CheckpointDir.readManifest(seed.resolve("pruned")).kept();
        assertNotNull(kept, "the pruned checkpoint records its keep map");
        int[] k0 = kept.get("features.0");
        int[] k1 = kept.get("features.1");
        assertNotNull(k0, method + " pruned the first conv: " + kept.keySet());
        try (Network baseline = ModelCheckpoint.load(seed.resolve("baseline")).network();
                Network pruned = ModelCheckpoint.load(seed.resolve("pruned")).network();
                Network init = ModelCheckpoint.load(seed.resolve(Rethink.INIT)).network()) {
            // refit changed the kept filters, so the weights alone cannot tell which channels were kept
            assertThrows(ArchException.class, () -> KeptChannels.recover(baseline, pruned));
            try (Network start = Rethink.start(RetrainMode.LOTTERY_TICKET, pruned, 1, seed.resolve(Rethink.INIT),
                    seed.resolve("pruned"))) {
                assertEquals(pruned.spec(), start.spec());
                // filter i of the ticket is initial filter k0[i] (the input image is never cut)
                float[][] w0 = filters(init, "features.0.conv.weight");
                float[][] s0 = filters(start, "features.0.conv.weight");
                assertEquals(k0.length, s0.length);
                for (int i = 0; i < k0.length; i++) {
                    assertArrayEquals(w0[k0[i]], s0[i], 0f, "features.0 filter " + i);
                }
                float[] g = init.array("features.0.bn.gamma").toFloatArray();
                float[] sg = start.array("features.0.bn.gamma").toFloatArray();
                for (int i = 0; i < k0.length; i++) {
                    assertEquals(g[k0[i]], sg[i], 0f, "features.0 gamma " + i);
                }
                // the second conv: its kept filters, each cut to the first conv's kept channels
                long[] shape = init.array("features.1.conv.weight").getShape().getShape();
                int per = (int) (shape[2] * shape[3]);
                float[][] w1 = filters(init, "features.1.conv.weight");
                float[][] s1 = filters(start, "features.1.conv.weight");
                int[] out1 = k1 != null ? k1 : java.util.stream.IntStream.range(0, w1.length).toArray();
                for (int i = 0; i < out1.length; i++) {
                    for (int a = 0; a < k0.length; a++) {
                        assertArrayEquals(java.util.Arrays.copyOfRange(w1[out1[i]], k0[a] * per, (k0[a] + 1) * per),
                                java.util.Arrays.copyOfRange(s1[i], a * per, (a + 1) * per), 0f, "features.1 " + i + "," + a);
                    }
                }
            }
        }
        // a rerun prunes again (another wall time in the method's settings) and still reuses the retrained run untouched
        Path manifest = seed.resolve("lottery-ticket/" + CheckpointDir.MANIFEST);
        byte[] before = Files.readAllBytes(manifest);
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(manifest);
        JsonObject again = rethink(dir, args);
        assertEquals(written, Files.getLastModifiedTime(manifest), "reused, not retrained");
        assertArrayEquals(before, Files.readAllBytes(manifest));
        assertEquals(table.getAsJsonArray("rows").get(2).getAsJsonObject().get("accuracyMean"),
                again.getAsJsonArray("rows").get(2).getAsJsonObject().get("accuracyMean"));
    }

    /** The rows of a weight tensor, one per output channel. */
    private static float[][] filters(Network net, String name) {
        float[] w = net.array(name).toFloatArray();
        int out = (int) net.array(name).getShape().get(0);
        int row = w.length / out;
        float[][] f = new float[out][];
        for (int i = 0; i < out; i++) {
            f[i] = java.util.Arrays.copyOfRange(w, i * row, (i + 1) * row);
        }
        return f;
    }

    @Test
    void theArchitectureHasOneOutputPerClassOfTheDataset(@TempDir Path dir) throws Exception {
        DataSpec ds = new DataSpec("fashion-mnist", null, 200, 100);
        int classes = ds.test().numClasses();
        rethink(dir, "--arch", "lenet", "--method", "l1", "--ratio", "0.5", "--modes", "fine-tune");
        JsonObject arch = CheckpointDir.readManifest(dir.resolve("seed-1/baseline")).arch();
        assertEquals(classes, arch.get("numClasses").getAsInt());
        assertEquals(classes, ds.numClasses());
    }
}
