package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.NetworkSlimming;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.SoftFilterPruning;
import dev.sculptor.engine.prune.StructuredPruner;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.engine.train.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lottery-ticket rewinding (Frankle and Carbin, ICLR 2019): the retrain start is the baseline's
 * initial network cut exactly like the pruned one; and the keep map of a pruned checkpoint can be
 * recovered from it and its trained parent.
 */
class LotteryTicketTest {

    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    static ArchSpec small(String family) {
        return switch (family) {
            case "lenet" -> Architectures.named("lenet", List.of(1, 28, 28), 10);
            case "vgg" -> new ArchSpec("vgg", "tiny-vgg", List.of(3, 16, 16), 10, List.of(8, 12, 16, 16),
                    List.of(0, 2), List.of(24), null, null, null, null);
            case "resnet" -> Architectures.named("resnet20", List.of(3, 16, 16), 10);
            case "preresnet" -> Architectures.named("preresnet20", List.of(3, 16, 16), 10);
            default -> throw new IllegalArgumentException(family);
        };
    }

    /** "Training": every tensor of the initial network moved by a random amount (BN statistics too). */
    static Network trainedFrom(Network init, long seed) {
        Network trained = Network.create(init.spec(), 0);
        Random r = new Random(seed);
        List<Tensor> moved = new java.util.ArrayList<>();
        for (Tensor t : init.exportTensors()) {
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) r.nextGaussian() * 0.3f;
            }
            if (t.name().endsWith("runningVar")) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = Math.abs(d[i]) + 0.1f;
                }
            }
            moved.add(new Tensor(t.name(), t.shape(), d));
        }
        trained.importTensors(moved, "test");
        return trained;
    }

    static void assertSameTensors(Network expected, Network actual) {
        assertEquals(expected.tensorNames(), actual.tensorNames());
        for (String n : expected.tensorNames()) {
            assertArrayEquals(expected.array(n).toFloatArray(), actual.array(n).toFloatArray(), 0f, n);
        }
    }

    @Test
    void structuredStartIsTheShrinkOfTheInitialNetwork() {
        try (Network init = Network.create(tinyVgg(), 11); Network trained = trainedFrom(init, 1)) {
            PruneResult pr = new L1NormPruning(null, 0.5, Map.of(), Set.of()).prune(trained);
            try (Network pruned = pr.network();
                    Network start = Retraining.start(RetrainMode.LOTTERY_TICKET, pruned, 99, init, pr.kept());
                    Network expected = StructuredPruner.shrink(init, pr.kept(), "x")) {
                assertEquals(pruned.spec(), start.spec());
                assertSameTensors(expected, start);
                // by hand: kept filters of features.0 are the initial rows at the kept positions
                int[] k0 = pr.kept().get("features.0");
                float[] w0 = init.array("features.0.conv.weight").toFloatArray();
                float[] s0 = start.array("features.0.conv.weight").toFloatArray();
                for (int i = 0; i < k0.length; i++) {
                    for (int j = 0; j < 9; j++) {
                        assertEquals(w0[k0[i] * 9 + j], s0[i * 9 + j], 0f);
                    }
                }
                // the initial weights, not the trained ones
                assertFalse(java.util.Arrays.equals(pruned.array("features.0.conv.weight").toFloatArray(), s0));
                assertTrue(start.masks().isEmpty());
            }
        }
    }

    @Test
    void weightLevelScratchStartScalesEachMaskedConvsInitByOneOverSqrtDensity() {
        // the reference's weight-level Scratch-E/B: std sqrt(2 / n) with n the kept weights per input channel, i.e. the
        // dense init's std / sqrt(density); linear layers keep the dense init (the reference rescales convs only)
        try (Network trained = trainedFrom(Network.create(tinyVgg(), 12), 2)) {
            PruneResult pr = new WeightLevelPruning(0.75, true).prune(trained);
            try (Network pruned = pr.network(); Network fresh = Network.create(pruned.spec(), 5);
                    Network start = Retraining.start(RetrainMode.SCRATCH_E, pruned, 5)) {
                int convs = 0;
                for (String n : fresh.tensorNames()) {
                    float[] f = fresh.array(n).toFloatArray();
                    float[] s = start.array(n).toFloatArray();
                    if (!pruned.masks().containsKey(n)) {
                        assertArrayEquals(f, s, 0f, n);
                        continue;
                    }
                    float[] mask = pruned.masks().get(n).toFloatArray();
                    double kept = 0;
                    for (float m : mask) {
                        kept += m;
                    }
                    boolean conv = fresh.array(n).getShape().dimension() == 4;
                    double scale = conv ? 1 / Math.sqrt(kept / mask.length) : 1;
                    if (conv) {
                        convs++;
                        assertTrue(scale > 1.5, n + ": 75% pruned, so about 2x: " + scale);
                    }
                    for (int i = 0; i < f.length; i++) {
                        assertEquals(f[i] * mask[i] * scale, s[i], 1e-6 * Math.max(1, Math.abs(f[i] * scale)), n + "[" + i + "]");
                    }
                }
                assertTrue(convs >= 2, "the tiny VGG's convs are masked");
                // fine-tuning keeps the pruned weights as they are
                try (Network ft = Retraining.start(RetrainMode.FINE_TUNE, pruned, 5)) {
                    for (String n : pruned.tensorNames()) {
                        assertArrayEquals(pruned.array(n).toFloatArray(), ft.array(n).toFloatArray(), 0f, n);
                    }
                }
            }
        }
    }

    @Test
    void weightLevelStartIsInitTimesMask() {
        try (Network init = Network.create(tinyVgg(), 12); Network trained = trainedFrom(init, 2)) {
            PruneResult pr = new WeightLevelPruning(0.6, true).prune(trained);
            try (Network pruned = pr.network();
                    Network start = Retraining.start(RetrainMode.LOTTERY_TICKET, pruned, 99, init, pr.kept())) {
                assertTrue(pr.kept().isEmpty());
                assertEquals(pruned.spec(), start.spec());
                assertEquals(pruned.masks().keySet(), start.masks().keySet());
                for (String n : init.tensorNames()) {
                    float[] w = init.array(n).toFloatArray();
                    float[] s = start.array(n).toFloatArray();
                    if (pruned.masks().containsKey(n)) {
                        float[] mask = pruned.masks().get(n).toFloatArray();
                        assertArrayEquals(mask, start.masks().get(n).toFloatArray(), 0f, n);
                        for (int i = 0; i < w.length; i++) {
                            assertEquals(w[i] * mask[i], s[i], 0f, n + "[" + i + "]");
                        }
                    } else {
                        assertArrayEquals(w, s, 0f, n);
                    }
                }
            }
        }
    }

    @Test
    void budgetIsScratchE() {
        TrainConfig base = new TrainConfig(7, 64, 0.1, 0.9, 1e-4, "step", 1, true, null, false, true);
        ModelStats full = new ModelStats(1000, 4000);
        ModelStats small = new ModelStats(400, 1000);
        Retraining.Budget lt = Retraining.budget(RetrainMode.LOTTERY_TICKET, base, 2, 0.01, full, small, null);
        Retraining.Budget se = Retraining.budget(RetrainMode.SCRATCH_E, base, 2, 0.01, full, small, null);
        assertEquals(7, lt.epochs());
        assertEquals(se.epochs(), lt.epochs());
        assertEquals(0.1, lt.lr(), 0);
        assertEquals("step", lt.schedule());
        assertEquals(4.0, lt.flopsRatio(), 1e-12);
        assertEquals(RetrainMode.LOTTERY_TICKET, RetrainMode.parse("lottery-ticket"));
        assertEquals(RetrainMode.LOTTERY_TICKET, RetrainMode.parse("LOTTERY_TICKET"));
        assertFalse(RetrainMode.LOTTERY_TICKET.fromScratch());
        assertTrue(RetrainMode.LOTTERY_TICKET.rewindsToInit());
    }

    @Test
    void lotteryTicketNeedsTheInitialNetworkOfTheSameArchitecture() {
        try (Network init = Network.create(tinyVgg(), 11); Network trained = trainedFrom(init, 1)) {
            PruneResult pr = new L1NormPruning(null, 0.5, Map.of(), Set.of()).prune(trained);
            try (Network pruned = pr.network()) {
                assertThrows(IllegalArgumentException.class, () -> Retraining.start(RetrainMode.LOTTERY_TICKET, pruned, 1));
                // an init of another width cannot be cut into the pruned architecture
                ArchSpec wider = new ArchSpec("vgg", "w", List.of(1, 8, 8), 3, List.of(5, 6), List.of(0), List.of(5),
                        null, null, null, null);
                try (Network other = Network.create(wider, 1)) {
                    ArchException e = assertThrows(ArchException.class,
                            () -> Retraining.start(RetrainMode.LOTTERY_TICKET, pruned, 1, other, Map.of("features.1",
                                    pr.kept().get("features.1"))));
                    assertTrue(e.getMessage().contains("is not the pruned architecture"), e.getMessage());
                }
            }
        }
    }

    /** The keep map of a random shrink of every family is recovered exactly from the two networks. */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "vgg", "resnet", "preresnet"})
    void keepMapIsRecoveredFromOriginalAndPruned(String family) {
        try (Network init = Network.create(small(family), 3); Network net = trainedFrom(init, 4)) {
            Random r = new Random(11);
            Map<String, int[]> keep = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                int[] k = IntStream.range(0, s.size()).filter(i -> r.nextInt(3) > 0).toArray();
                if (k.length == 0) {
                    k = new int[] {s.size() - 1};
                }
                if (k.length < s.size()) {
                    keep.put(s.id(), k);
                }
            }
            try (Network shrunk = StructuredPruner.shrink(net, keep, "shrunk")) {
                Map<String, int[]> recovered = KeptChannels.recover(net, shrunk);
                assertEquals(keep.keySet(), recovered.keySet(), family);
                keep.forEach((id, k) -> assertArrayEquals(k, recovered.get(id), family + " " + id));
            }
        }
    }

    @Test
    void keepMapOfRealMethodsIsRecoveredAndNothingForWeightLevel() {
        try (Network init = Network.create(small("lenet"), 5); Network trained = trainedFrom(init, 6)) {
            for (var method : List.of(new L1NormPruning(null, 0.4, Map.of(), Set.of()), new NetworkSlimming(0.5, 0),
                    new SoftFilterPruning(0.3, Map.of(), Set.of()))) {
                PruneResult pr = method.prune(trained);
                try (Network p = pr.network()) {
                    Map<String, int[]> recovered = KeptChannels.recover(trained, p);
                    assertEquals(pr.kept().keySet(), recovered.keySet(), method.name());
                    pr.kept().forEach((id, k) -> assertArrayEquals(k, recovered.get(id), method.name() + " " + id));
                }
            }
            try (Network p = new WeightLevelPruning(0.5, false).prune(trained).network()) {
                assertTrue(KeptChannels.recover(trained, p).isEmpty());
            }
            // a pruned model that was trained further no longer matches its parent
            PruneResult pr = new L1NormPruning(null, 0.5, Map.of(), Set.of()).prune(trained);
            try (Network p = pr.network(); Network retrained = trainedFrom(p, 7)) {
                ArchException e = assertThrows(ArchException.class, () -> KeptChannels.recover(trained, retrained));
                assertTrue(e.getMessage().contains("matches no channel of the original"), e.getMessage());
            }
        }
    }

    @Test
    void blockRewindDropsTheRemovedBlocksAndFoldsTheInitialScale() {
        ArchSpec spec = Architectures.named("resnet14", List.of(1, 28, 28), 10).withBlockScales(true);
        try (Network init = Network.create(spec, 3)) {
            // a known initial scale of a kept block of stage 1: folded into its last BN, as SSS folds the trained one
            init.array("layer1.1.residual.scale").set(new float[] {2f});
            List<dev.sculptor.engine.prune.PrunePlan.Block> blocks = new java.util.ArrayList<>();
            for (int b = 0; b < spec.blocks().size(); b++) {
                String name = init.graph().blockName(b);
                blocks.add(new dev.sculptor.engine.prune.PrunePlan.Block(name, 1f, name.equals("layer2.1")));
            }
            dev.sculptor.engine.prune.PrunePlan plan = new dev.sculptor.engine.prune.PrunePlan("sss", spec.name(), "r-sss-1",
                    new com.google.gson.JsonObject(), Map.of(), Map.of(), Map.of(), blocks, null, 0);
            try (Network pruned = plan.apply(init);
                    Network start = Retraining.rewindBlocks(init, pruned, List.of("layer2.1"))) {
                assertEquals(pruned.spec(), start.spec());
                assertEquals(spec.blocks().size() - 1, start.spec().blocks().size());
                float[] g = init.array("layer1.1.bn2.gamma").toFloatArray();
                float[] sg = start.array("layer1.1.bn2.gamma").toFloatArray();
                for (int c = 0; c < g.length; c++) {
                    assertEquals(2f * g[c], sg[c], 0f, "channel " + c);
                }
                assertArrayEquals(init.array("layer3.1.conv1.weight").toFloatArray(),
                        start.array("layer3.1.conv1.weight").toFloatArray(), 0f);
                ArchException e = assertThrows(ArchException.class, () -> Retraining.rewindBlocks(init, pruned,
                        List.of("layer9.0")));
                assertTrue(e.getMessage().contains("'layer9.0' is not a block of the initial network"), e.getMessage());
                e = assertThrows(ArchException.class, () -> Retraining.rewindBlocks(init, pruned, List.of("layer3.1")));
                assertTrue(e.getMessage().contains("is not the pruned architecture"), e.getMessage());
            }
        }
    }
}
