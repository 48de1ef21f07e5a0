package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Plans: {@code prune} is exactly {@code plan} then {@code apply} for every method, also when the plan went through
 * JSON in between (as when the scoring service plans and the pruning service applies).
 */
class PrunePlanTest {
    /** A trained-looking network and the method for each registry entry. */
    record Case(Network net, PruningMethod method) {}

    static Case of(MethodDef def) {
        ImageDataset data = SampledPruningTest.tinyData(32, 1, 8, 8);
        MethodSettings s = new MethodSettings(null, 0.5, Map.of(), Set.of(), null, 1e-4, true, 14, 64, 4, true);
        if (def == MethodDef.SPARSE_STRUCTURE_SELECTION) {
            Network net = Network.create(SparseStructureSelectionTest.scaled("resnet20"), 4);
            StructuredPrunerTest.randomiseBatchNorms(net, 9);
            net.array("layer1.1.residual.scale").set(new float[] {0f});
            net.array("layer2.2.residual.scale").set(new float[] {0.3f});
            net.array("layer3.1.residual.scale").set(new float[] {-0.7f});
            return new Case(net, def.create(s, () -> data));
        }
        Network net = Network.create(SampledPruningTest.tinyVgg(), 3);
        StructuredPrunerTest.randomiseBatchNorms(net, 5);
        SampledPruningTest.randomiseLinears(net, 6);
        return new Case(net, def.create(def == MethodDef.NETWORK_SLIMMING ? s.withPercent(0.4)
                : def == MethodDef.WEIGHT_LEVEL ? s.withPercent(0.5) : s, () -> data));
    }

    @ParameterizedTest
    @EnumSource(MethodDef.class)
    void pruneIsPlanThenApplyAlsoThroughJson(MethodDef def) {
        Case c = of(def);
        try (Network net = c.net()) {
            PruneResult r = c.method().prune(net);
            PrunePlan plan = c.method().plan(net);
            String json = plan.toJson();
            PrunePlan read = PrunePlan.fromJson(json);
            assertEquals(json, read.toJson(), "JSON round trip");
            assertEquals(plan.scores().keySet(), read.scores().keySet());
            plan.scores().forEach((space, sc) -> assertArrayEquals(sc, read.scores().get(space), space));
            assertEquals(def, read.def());
            assertEquals(def.id(), read.method());
            try (Network pruned = r.network(); Network applied = read.apply(net)) {
                assertEquals(pruned.spec(), applied.spec());
                assertEquals(pruned.exportTensors(), applied.exportTensors(), "bit for bit");
                assertEquals(pruned.exportMasks(), applied.exportMasks());
                assertEquals(r.kept().keySet(), read.kept().keySet());
                r.kept().forEach((space, k) -> assertArrayEquals(k, read.kept().get(space), space));
                JsonObject a = r.settings();
                JsonObject b = read.settings();
                a.remove("seconds");
                b.remove("seconds");
                assertEquals(a, b);
                // the method's own name: its word, or a named variant of it (sss ranked by magnitude: sss-magnitude)
                assertEquals(c.method().name(), r.method());
                assertTrue(r.method().startsWith(def.word()), r.method());
            }
            switch (def.granularity()) {
                case CHANNELS -> {
                    assertFalse(read.kept().isEmpty());
                    // channel methods scored ahead report a score for every channel of every space they scored
                    assertEquals(def.scoredAhead(), !read.scores().isEmpty());
                    read.scores().forEach((space, sc) -> assertEquals(net.graph().space(space).size(), sc.length, space));
                    // ThiNet and regression refit the next layers: their plans carry the weights
                    assertEquals(def.needsData(), !read.refits().isEmpty());
                }
                case BLOCKS -> {
                    assertEquals(9, read.blocks().size(), "every block carries a scale, a stage's first included");
                    // target depth 14: 6 of 9 blocks stay; the zero scale goes first, then the smallest |scale|
                    assertEquals(List.of("layer1.1", "layer2.2", "layer3.1"), read.blocks().stream()
                            .filter(PrunePlan.Block::removed).map(PrunePlan.Block::block).toList());
                    assertEquals(-0.7f, read.blocks().stream().filter(b -> b.block().equals("layer3.1")).findFirst()
                            .orElseThrow().scale());
                }
                case WEIGHTS -> {
                    assertNotNull(read.masks());
                    long pruned = read.masks().tensors().stream().mapToLong(PrunePlan.MaskedTensor::pruned).sum();
                    long count = read.masks().tensors().stream().mapToLong(PrunePlan.MaskedTensor::count).sum();
                    assertEquals(count / 2, pruned, 1, "half of all conv and linear weights");
                    assertTrue(read.masks().largestMasked() > 0);
                    assertEquals(read.masks().threshold(), read.masks().largestMasked());
                }
                default -> throw new AssertionError(def);
            }
        }
    }

    @Test
    void aPlanIsAppliedOnlyToItsArchitecture() {
        Case c = of(MethodDef.L1_NORM);
        try (Network net = c.net(); Network renamed = Network.create(SampledPruningTest.tinyVgg().withName("u"), 1)) {
            PrunePlan plan = c.method().plan(net);
            // the same shapes under another name: refused rather than cut blindly
            ArchException e = assertThrows(ArchException.class, () -> plan.apply(renamed));
            assertEquals("the l1-norm plan was made for t, not for u", e.getMessage());
        }
        assertTrue(assertThrows(ArchException.class, () -> PrunePlan.fromJson("{\"method\": \"l1-norm\"}")).getMessage()
                .startsWith("not a pruning plan"));
        assertTrue(assertThrows(ArchException.class, () -> PrunePlan.fromJson("{\"method\": \"nosuch\"}")).getMessage()
                .startsWith("unknown method 'nosuch'"));
    }

    @Test
    void aRenamedPlanCutsTheSameUnderItsName() {
        Case c = of(MethodDef.L1_NORM);
        try (Network net = c.net()) {
            PrunePlan plan = c.method().plan(net);
            try (Network a = plan.apply(net); Network b = plan.withPruned("t-l1-norm").apply(net)) {
                assertEquals("t-l1-norm", b.spec().name());
                assertEquals(a.spec().withName("t-l1-norm"), b.spec());
                assertEquals(a.exportTensors(), b.exportTensors());
            }
        }
    }

    @Test
    void nothingMaskedReportsZero() {
        try (Network net = Network.create(WeightLevelPruningTest.tinyVgg(), 2)) {
            PrunePlan p = new WeightLevelPruning(0, false).plan(net);
            assertEquals(-1f, p.masks().threshold());
            assertEquals(0f, p.masks().largestMasked());
            assertTrue(p.masks().tensors().stream().allMatch(t -> t.pruned() == 0));
        }
    }
}
