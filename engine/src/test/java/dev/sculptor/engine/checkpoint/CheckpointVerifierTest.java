package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.WeightLevelPruning;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointVerifierTest {
    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
            null, null, null, null);

    @Test
    void verifiesWithoutTheEngineAndCountsMaskedWeights(@TempDir Path dir) {
        try (Network net = Network.create(TINY, 1)) {
            ModelCheckpoint.save(dir.resolve("dense"), net, ModelCheckpoint.Info.EMPTY, null, null);
            CheckpointVerifier.Verified v = CheckpointVerifier.verify(dir.resolve("dense"));
            assertEquals(TINY, v.arch());
            assertEquals(ModelStats.of(net), new ModelStats(v.params(), v.flops()));
            try (Network masked = new WeightLevelPruning(0.7, false).prune(net).network()) {
                ModelCheckpoint.save(dir.resolve("masked"), masked, ModelCheckpoint.Info.EMPTY, null, null);
                CheckpointVerifier.Verified m = CheckpointVerifier.verify(dir.resolve("masked"));
                assertEquals(ModelStats.of(masked), new ModelStats(m.params(), m.flops()));
                assertTrue(m.flops() < v.flops());
            }
        }
    }

    @Test
    void wrongShapesAndStrayTensorsAreNamed(@TempDir Path dir) {
        Path ck = dir.resolve("ck");
        try (Network net = Network.create(TINY, 1)) {
            ModelCheckpoint.save(ck, net, ModelCheckpoint.Info.EMPTY, null, null);
            List<Tensor> tensors = new ArrayList<>(TensorFile.read(ck.resolve(CheckpointDir.PARAMS)));
            tensors.set(0, new Tensor("features.0.conv.weight", new long[] {4, 1, 1, 1}, new float[4]));
            tensors.add(new Tensor("stray", new long[] {1}, new float[1]));
            TensorFile.write(ck.resolve(CheckpointDir.PARAMS), tensors, false);
            CheckpointDir.write(ck, CheckpointDir.readManifest(ck), Map.of(CheckpointDir.PARAMS, ck.resolve(CheckpointDir.PARAMS)));
            String msg = assertThrows(CheckpointException.class, () -> CheckpointVerifier.verify(ck)).getMessage();
            assertTrue(msg.contains("features.0.conv.weight has shape [4, 1, 1, 1] but the architecture expects [4, 1, 3, 3]"), msg);
            assertTrue(msg.contains("unexpected tensor stray"), msg);
        }
    }
}
