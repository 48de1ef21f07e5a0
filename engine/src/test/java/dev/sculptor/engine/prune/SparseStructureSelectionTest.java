package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseStructureSelectionTest {
    static ArchSpec scaled(String name) {
        return new SparseStructureSelection(1e-4, null, null).prepare(Architectures.named(name, List.of(3, 16, 16), 10));
    }

    /**
     * Blocks whose scale is zero go: a later block entirely, a stage's first block down to its shortcut (resnet20's
     * parameter-free subsample and zero channels, preresnet29's projection conv); kept scales fold into the branch; the
     * output does not change.
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet29"})
    void zeroScaleBlocksAreRemovedWithoutChangingTheOutput(String arch) {
        ArchSpec spec = scaled(arch);
        try (Network net = Network.create(spec, 4); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 9);
            // resnet20 / preresnet29: 3 blocks per stage, every one with a scale
            net.array("layer1.1.residual.scale").set(new float[] {0f});
            net.array("layer2.0.residual.scale").set(new float[] {0f}); // first of stage 2: its shortcut stays
            net.array("layer2.2.residual.scale").set(new float[] {0f});
            net.array("layer3.1.residual.scale").set(new float[] {0.7f});
            net.array("layer1.0.residual.scale").set(new float[] {-0.4f});
            NDArray x = m.randomNormal(new Shape(3, 3, 16, 16));
            float[] before = net.forward(x, false).toFloatArray();
            PruneResult r = new SparseStructureSelection(1e-4, null, null).prune(net);
            try (Network pruned = r.network()) {
                ArchSpec out = pruned.spec();
                assertEquals(List.of(2, 2, 3), out.stageBlocks());
                assertEquals(7, out.blocks().size());
                assertTrue(out.branchless(2), "layer2.0 is its shortcut alone: " + out.blocks());
                assertEquals(1, out.blocks().stream().filter(List::isEmpty).count());
                assertFalse(out.scaled());
                assertEquals(List.of("layer1.1", "layer2.0", "layer2.2"), r.settings().getAsJsonArray("removedBlocks")
                        .asList().stream().map(e -> e.getAsString()).toList());
                assertEquals("zero", r.settings().get("selection").getAsString());
                assertEquals("sss", r.method());
                boolean projection = arch.startsWith("preresnet");
                assertEquals(projection, pruned.tensorNames().contains("layer2.0.downsample.weight"));
                assertFalse(pruned.tensorNames().stream().anyMatch(t -> t.startsWith("layer2.0.conv")));
                assertArrayEquals(before, pruned.forward(x, false).toFloatArray(), 1e-5f);
                assertTrue(LayerGraph.of(out).macs() < LayerGraph.of(spec).macs());
                assertEquals(out, ArchSpec.fromJson(out.toJson()));
                // the shrunk network is a valid architecture of its own: trainable from scratch, same output shape
                try (Network fresh = Network.create(out, 1)) {
                    assertEquals(before.length, fresh.forward(x, false).toFloatArray().length);
                }
            }
        }
    }

    @Test
    void aBranchIsOnlyOptionalForTheFirstBlockOfAStage() {
        ArchSpec spec = Architectures.named("resnet20", List.of(3, 16, 16), 10);
        List<List<Integer>> blocks = new java.util.ArrayList<>(spec.blocks());
        blocks.set(1, List.of());
        ArchException e = assertThrows(ArchException.class, () -> spec.withBlocks(blocks, null).validate());
        assertTrue(e.getMessage().contains("block 1 has no residual branch"), e.getMessage());
        blocks.set(1, spec.blocks().get(1));
        blocks.set(3, List.of());
        ArchSpec ok = spec.withBlocks(blocks, null).validate();
        assertEquals(spec.depth() - 2, ok.depth());
    }

    /** Where no scale reached zero, the paper's selection removes nothing and says why. */
    @Test
    void zeroSelectionWithoutZeroScalesRemovesNothingAndSaysSo() {
        try (Network net = Network.create(scaled("resnet20"), 2)) {
            net.array("layer1.1.residual.scale").set(new float[] {1e-7f});
            PrunePlan plan = new SparseStructureSelection(1e-4, null, null).plan(net);
            assertTrue(plan.blocks().stream().noneMatch(PrunePlan.Block::removed));
            assertEquals(0, plan.settings().getAsJsonArray("removedBlocks").size());
            assertTrue(plan.settings().get("note").getAsString().contains("no block scale reached zero"));
            assertEquals("resnet20-sss", plan.pruned());
            // the scales it saw travel with the settings (into the pruned lineage, prune --json): 1e-7 is not zero
            JsonObject scales = plan.settings().getAsJsonObject(SparseStructureSelection.BLOCK_SCALES);
            assertEquals(plan.blocks().size(), scales.size());
            assertEquals(1e-7f, scales.get("layer1.1").getAsFloat());
            assertEquals(net.array("layer3.2.residual.scale").getFloat(0), scales.get("layer3.2").getAsFloat());
        }
    }

    /** The APG step on a scalar: the look-ahead and the soft-threshold, by hand. */
    @Test
    void apgStepMatchesItsClosedForm() {
        // f(s) = (s - 3)^2 / 2, so f'(s) = s - 3; lr 0.5, gamma 0.4 (threshold 0.2), momentum 0.9, from s = 1
        float s = 1f;
        float v = 0f;
        float z = SparseStructureSelection.lookAhead(s, v, 0.9);
        assertEquals(1f, z);
        float next = SparseStructureSelection.proximal(z, z - 3, 0.5, 0.4); // u = 1 + 0.5*2 = 2, minus 0.2
        assertEquals(1.8f, next, 1e-6f);
        v = next - s;
        s = next;
        z = SparseStructureSelection.lookAhead(s, v, 0.9); // 1.8 + 0.9*0.8 = 2.52
        assertEquals(2.52f, z, 1e-6f);
        next = SparseStructureSelection.proximal(z, z - 3, 0.5, 0.4); // u = 2.52 + 0.24 = 2.76, minus 0.2
        assertEquals(2.56f, next, 1e-6f);
        // the minimiser of f + gamma |s| is the soft-threshold of 3 by gamma: 2.6; APG converges to it
        assertEquals(2.6f, iterate(3f, 0.4), 1e-4f);
        // for a target inside the threshold (|c| <= gamma) the minimiser is exactly zero, and APG lands on it exactly
        assertEquals(0f, iterate(0.3f, 0.4));
        assertEquals(0f, iterate(-0.3f, 0.4));
        assertEquals(-1.6f, iterate(-2f, 0.4), 1e-4f);
        // the soft-threshold itself: symmetric, and exactly zero inside the threshold
        assertEquals(0f, SparseStructureSelection.proximal(0.1f, 0f, 1.0, 0.1));
        assertEquals(-0.05f, SparseStructureSelection.proximal(-0.15f, 0f, 1.0, 0.1), 1e-7f);
    }

    private static float iterate(float target, double gamma) {
        float s = 1f;
        float v = 0f;
        for (int t = 0; t < 400; t++) {
            float z = SparseStructureSelection.lookAhead(s, v, 0.9);
            float next = SparseStructureSelection.proximal(z, z - target, 0.5, gamma);
            v = next - s;
            s = next;
        }
        return s;
    }

    @Test
    void targetDepthRankingIsNamedMagnitudeNotSss() {
        try (Network net = Network.create(scaled("resnet20"), 2)) {
            float[] values = {0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f};
            String[] blocks = {"layer1.1", "layer1.2", "layer2.1", "layer2.2", "layer3.1", "layer3.2"};
            for (int i = 0; i < blocks.length; i++) {
                net.array(blocks[i] + ".residual.scale").set(new float[] {values[i]});
            }
            // depth 14 = 6 basic blocks: the three smallest scales (0.1, 0.2, 0.3) go; the first blocks hold 1.0
            SparseStructureSelection magnitude = new SparseStructureSelection(0, null, 14);
            assertEquals(SparseStructureSelection.Selection.MAGNITUDE, magnitude.selection());
            assertEquals("sss-magnitude", magnitude.name());
            PruneResult r = magnitude.prune(net);
            try (Network pruned = r.network()) {
                assertEquals(List.of("layer1.2", "layer2.2", "layer3.2"), r.settings().getAsJsonArray("removedBlocks").asList()
                        .stream().map(e -> e.getAsString()).toList());
                assertEquals("magnitude", r.settings().get("selection").getAsString());
                assertEquals("sss-magnitude", r.method());
                assertTrue(pruned.spec().name().contains("sss-magnitude"), pruned.spec().name());
                assertEquals(14, pruned.spec().depth());
            }
            // the paper's selection on the same network: no scale is zero, nothing goes
            assertEquals("sss", new SparseStructureSelection(0, null, null).name());
            assertTrue(new SparseStructureSelection(0, null, null).plan(net).blocks().stream().noneMatch(PrunePlan.Block::removed));
        }
    }

    @Test
    void badUseIsRefusedClearly() {
        assertTrue(assertThrows(ArchException.class, () -> new SparseStructureSelection(1e-4, null, null)
                .prepare(Architectures.named("vgg11", List.of(3, 32, 32), 10))).getMessage().contains("needs a resnet"));
        try (Network plain = Network.create(Architectures.named("resnet20", List.of(3, 16, 16), 10), 1)) {
            assertTrue(assertThrows(ArchException.class, () -> new SparseStructureSelection(1e-4, null, null).prune(plain))
                    .getMessage().contains("block scales"));
        }
        assertTrue(assertThrows(ArchException.class, () -> new SparseStructureSelection(1e-4, "resnet-99", null)).getMessage()
                .contains("unknown sss preset"));
        assertEquals(26, new SparseStructureSelection(1e-4, "resnet-26", null).settings().get("targetDepth").getAsInt());
    }

    // ---- known answer: APG in training zeroes the useless block, and only it ----

    /**
     * A one-stage resnet on 4x4 images whose left or right half is bright (class 0: left, class 1: right), with
     * hand-set weights. The stem passes brightness to stream channel 0 (1 bright, 0 dark): both classes have the same
     * pixels, so its average says nothing of the class and the classifier cannot use it. Block 0 detects a bright
     * pixel left of a dark one (only class 0 has one) and writes the evidence to channel 1, block 2 a dark pixel left
     * of a bright one (only class 1) to channel 2; the classifier reads logit c from channel c + 1 only. So class 0's
     * margin is about {@code 4 s0} and class 1's {@code 4 s2}: each useful block alone makes its class's margin, and at
     * a scale of 0 the loss gradient on it is about 1, twice gamma, so neither can go (they settle near 0.27, where
     * the gradient balances gamma). Block 1 is useless by construction: its last conv and BN are zero, so its branch
     * is input-independent (a BN shift, which starts at zero). With lr 0.02, gamma 0.5 and APG's momentum 0.9 a
     * zero-gradient scale travels its initial 1.0 in under 20 of the 60 steps and then settles at exactly 0.
     */
    static Network uselessBlockProblem() {
        ArchSpec spec = new ArchSpec("resnet", "tiny-sss", List.of(1, 4, 4), 2, null, null, null, null, List.of(3),
                List.of(List.of(1), List.of(1), List.of(1)), null, null, true).validate();
        Network net = Network.create(spec, 1);
        for (String t : net.tensorNames()) {
            if (!t.endsWith("runningVar") && !t.endsWith(".scale")) {
                net.array(t).set(new float[(int) net.array(t).size()]);
            }
        }
        tap(net, "conv1.weight", 1, 0, 0, 1, 1f);
        net.array("bn1.gamma").set(new float[] {1f, 0f, 0f});
        // block 0: left neighbour bright, centre dark -> channel 1
        tap(net, "layer1.0.conv1.weight", 3, 0, 0, 0, 1f);
        tap(net, "layer1.0.conv1.weight", 3, 0, 0, 1, -1f);
        net.array("layer1.0.bn1.gamma").set(new float[] {1f});
        net.array("layer1.0.bn1.beta").set(new float[] {-0.5f});
        tap(net, "layer1.0.conv2.weight", 1, 1, 0, 1, 1f);
        net.array("layer1.0.bn2.gamma").set(new float[] {0f, 6f, 0f});
        // block 1: reads the brightness, writes nothing
        tap(net, "layer1.1.conv1.weight", 3, 0, 0, 1, 1f);
        net.array("layer1.1.bn1.gamma").set(new float[] {1f});
        // block 2: right neighbour bright, centre dark -> channel 2
        tap(net, "layer1.2.conv1.weight", 3, 0, 0, 2, 1f);
        tap(net, "layer1.2.conv1.weight", 3, 0, 0, 1, -1f);
        net.array("layer1.2.bn1.gamma").set(new float[] {1f});
        net.array("layer1.2.bn1.beta").set(new float[] {-0.5f});
        tap(net, "layer1.2.conv2.weight", 1, 2, 0, 1, 1f);
        net.array("layer1.2.bn2.gamma").set(new float[] {0f, 0f, 6f});
        net.array("fc.weight").set(new float[] {0f, 1f, 0f, 0f, 0f, 1f});
        return net;
    }

    /** Sets the tap in the middle row, column {@code col}, of a 3x3 conv from input {@code in} to output {@code out}. */
    private static void tap(Network net, String tensor, int inChannels, int out, int in, int col, float value) {
        float[] w = net.array(tensor).toFloatArray();
        w[((out * inChannels + in) * 3 + 1) * 3 + col] = value;
        net.array(tensor).set(w);
    }

    static ImageDataset leftOrRightBright() {
        int n = 16;
        byte[] px = new byte[n * 16];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 16; p++) {
                boolean left = p % 4 < 2;
                px[i * 16 + p] = (byte) (left == (labels[i] == 0) ? 230 : 26);
            }
        }
        return ImageDataset.of("left-or-right", 1, 4, 4, 2, px, labels, new float[] {0.5f}, new float[] {0.25f});
    }

    static TrainConfig apgConfig(int epochs) {
        // one full batch a step, so the BNs see both classes; a constant lr: the schedule is not under test
        return new TrainConfig(epochs, 16, 0.02, 0.9, 1e-4, "constant", 1, false, null, false, false);
    }

    @Test
    void apgTrainingZeroesExactlyTheUselessBlockAndThePlanRemovesIt() {
        SparseStructureSelection sss = new SparseStructureSelection(0.5, null, null);
        try (Network net = uselessBlockProblem()) {
            new Trainer(apgConfig(60)).hook(sss.baselineHooks().get(0)).train(net, leftOrRightBright(), null);
            float s0 = net.array("layer1.0.residual.scale").getFloat(0);
            float s1 = net.array("layer1.1.residual.scale").getFloat(0);
            float s2 = net.array("layer1.2.residual.scale").getFloat(0);
            assertEquals(0.0f, s1, "the useless block's scale is exactly zero");
            assertTrue(s0 > 0.1f && s0 < 0.6f, "useful block 0 keeps a scale near 0.27, got " + s0);
            assertTrue(s2 > 0.1f && s2 < 0.6f, "useful block 2 keeps a scale near 0.27, got " + s2);
            PrunePlan plan = sss.plan(net);
            assertEquals(List.of("layer1.1"), plan.blocks().stream().filter(PrunePlan.Block::removed)
                    .map(PrunePlan.Block::block).toList());
            try (NDManager m = NDManager.newBaseManager(); Network pruned = plan.apply(net)) {
                assertEquals(List.of(2), pruned.spec().stageBlocks());
                NDArray x = m.randomNormal(new Shape(4, 1, 4, 4));
                assertArrayEquals(net.forward(x, false).toFloatArray(), pruned.forward(x, false).toFloatArray(), 1e-5f);
            }
        }
    }

    /** The APG velocity travels with the checkpoint: stopping and resuming gives the uninterrupted run's scales. */
    @Test
    void apgResumesExactly(@TempDir Path dir) {
        float[] straight;
        try (Network net = uselessBlockProblem()) {
            new Trainer(apgConfig(30)).hook(SparseStructureSelection.apgHook(0.5, 0.9)).train(net, leftOrRightBright(), null);
            straight = scales(net);
        }
        try (Network net = uselessBlockProblem()) {
            new Trainer(apgConfig(15).withCheckpoints(dir, true)).hook(SparseStructureSelection.apgHook(0.5, 0.9))
                    .train(net, leftOrRightBright(), null);
        }
        try (Network net = uselessBlockProblem()) {
            Trainer.Result r = new Trainer(apgConfig(30).withCheckpoints(dir, true)).hook(SparseStructureSelection.apgHook(0.5, 0.9))
                    .train(net, leftOrRightBright(), null);
            assertEquals(14, r.resumedAfterEpoch());
            assertArrayEquals(straight, scales(net));
        }
    }

    private static float[] scales(Network net) {
        return new float[] {net.array("layer1.0.residual.scale").getFloat(0), net.array("layer1.1.residual.scale").getFloat(0),
            net.array("layer1.2.residual.scale").getFloat(0)};
    }


    /** {@code prune} says what the selection did: which blocks went, by which selection, and why none did. */
    @Test
    void pruneCommandShowsTheSelectionAndWhyNothingWent(@TempDir Path dir) {
        try (Network net = Network.create(scaled("resnet20"), 2)) {
            net.array("layer1.1.residual.scale").set(new float[] {0.5f});
            dev.sculptor.engine.checkpoint.ModelCheckpoint.save(dir.resolve("base"), net,
                    dev.sculptor.engine.checkpoint.ModelCheckpoint.Info.EMPTY, null, null);
        }
        String out = cli("prune", "--in", dir.resolve("base").toString(), "--method", "sss", "--out",
                dir.resolve("zero").toString());
        assertTrue(out.contains("removed blocks (selection zero): []"), out);
        assertTrue(out.contains("note: no block scale reached zero"), out);
        assertTrue(out.contains("block scales:") && out.contains(" layer1.1 0.5000"), "the scales it saw: " + out);
        out = cli("prune", "--in", dir.resolve("base").toString(), "--method", "sss", "--target-depth", "18", "--out",
                dir.resolve("magnitude").toString());
        assertTrue(out.contains("with sss-magnitude"), out);
        assertTrue(out.contains("removed blocks (selection magnitude): [\"layer1.1\"]"), out);
    }

    private static String cli(String... args) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, dev.sculptor.engine.cli.EngineCli.execute(args), String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
