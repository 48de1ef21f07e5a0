package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SparseStructureSelectionTest {
    static ArchSpec scaled(String name) {
        return new SparseStructureSelection(1e-4, null, null).prepare(Architectures.named(name, List.of(3, 16, 16), 10));
    }

    /** Blocks whose scale is zero go; kept scales fold into the branch; the output does not change. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet29"})
    void zeroScaleBlocksAreRemovedWithoutChangingTheOutput(String arch) {
        ArchSpec spec = scaled(arch);
        try (Network net = Network.create(spec, 4); NDManager m = NDManager.newBaseManager()) {
            StructuredPrunerTest.randomiseBatchNorms(net, 9);
            // resnet20 / preresnet29: 3 blocks per stage; blocks 1, 2, 4, 5, 7, 8 carry scales
            net.array("layer1.1.residual.scale").set(new float[] {0f});
            net.array("layer2.2.residual.scale").set(new float[] {0f});
            net.array("layer3.1.residual.scale").set(new float[] {0.7f});
            NDArray x = m.randomNormal(new Shape(3, 3, 16, 16));
            float[] before = net.forward(x, false).toFloatArray();
            PruneResult r = new SparseStructureSelection(1e-4, null, null).prune(net);
            try (Network pruned = r.network()) {
                ArchSpec out = pruned.spec();
                assertEquals(List.of(2, 2, 3), out.stageBlocks());
                assertEquals(7, out.blocks().size());
                assertFalse(out.scaled());
                assertEquals(List.of("layer1.1", "layer2.2"), r.settings().getAsJsonArray("removedBlocks").asList().stream()
                        .map(e -> e.getAsString()).toList());
                assertArrayEquals(before, pruned.forward(x, false).toFloatArray(), 1e-5f);
                assertTrue(LayerGraph.of(out).macs() < LayerGraph.of(spec).macs());
                assertEquals(out, ArchSpec.fromJson(out.toJson()));
            }
        }
    }

    @Test
    void proximalStepSoftThresholdsTheScales() {
        try (Network net = Network.create(scaled("resnet20"), 1)) {
            net.array("layer1.1.residual.scale").set(new float[] {0.5f});
            net.array("layer1.2.residual.scale").set(new float[] {0.05f});
            net.array("layer2.1.residual.scale").set(new float[] {-0.3f});
            SparseStructureSelection.proximalHook(1.0).afterStep(net, 0.1);
            assertEquals(0.4f, net.array("layer1.1.residual.scale").getFloat(0), 1e-6f);
            assertEquals(0f, net.array("layer1.2.residual.scale").getFloat(0));
            assertEquals(-0.2f, net.array("layer2.1.residual.scale").getFloat(0), 1e-6f);
        }
    }

    @Test
    void targetDepthRemovesTheSmallestScales() {
        try (Network net = Network.create(scaled("resnet20"), 2)) {
            float[] values = {0.9f, 0.1f, 0.8f, 0.2f, 0.7f, 0.3f};
            String[] blocks = {"layer1.1", "layer1.2", "layer2.1", "layer2.2", "layer3.1", "layer3.2"};
            for (int i = 0; i < blocks.length; i++) {
                net.array(blocks[i] + ".residual.scale").set(new float[] {values[i]});
            }
            // depth 14 = 6 basic blocks: the three smallest scales (0.1, 0.2, 0.3) go
            PruneResult r = new SparseStructureSelection(0, null, 14).prune(net);
            try (Network pruned = r.network()) {
                assertEquals(List.of("layer1.2", "layer2.2", "layer3.2"), r.settings().getAsJsonArray("removedBlocks").asList()
                        .stream().map(e -> e.getAsString()).toList());
                assertEquals(14, pruned.spec().depth());
            }
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
}
