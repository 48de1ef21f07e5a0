package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.WeightLevelPruning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Network to checkpoint directory and back, and the ways a damaged checkpoint is refused. */
class ModelCheckpointTest {
    @TempDir Path root;

    static ArchSpec tinyVgg() {
        return new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
    }

    /** Wider, so that a 90% weight-pruned params.bin is dominated by the pruned weights. */
    static ArchSpec smallVgg() {
        return new ArchSpec("vgg", "s", List.of(1, 8, 8), 3, List.of(16, 32), List.of(0), List.of(16),
                null, null, null, null);
    }

    /** BN statistics and scales far from their initial values, so eval mode depends on all of them. */
    static void randomiseBatchNorms(Network net, long seed) {
        Random r = new Random(seed);
        for (Layer l : net.graph().layers()) {
            if (l.kind() == Layer.Kind.BN) {
                for (String t : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
                    float[] v = new float[l.out()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = t.equals("runningVar") ? 0.5f + r.nextFloat() : r.nextFloat() - 0.3f;
                    }
                    net.array(l.name() + "." + t).set(v);
                }
            }
        }
    }

    static float[] outputs(Network net) {
        ArchSpec s = net.spec();
        int n = 3;
        float[] x = new float[n * s.channels() * s.height() * s.width()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.cos(0.11 * i) * (1 + i % 5);
        }
        try (NDManager m = net.manager().newSubManager()) {
            NDArray in = m.create(x, new Shape(n, s.channels(), s.height(), s.width()));
            return net.forward(in, false).toFloatArray();
        }
    }

    static Path save(Path dir, Network net) {
        ModelCheckpoint.save(dir, net, ModelCheckpoint.Info.EMPTY, null, null);
        return dir;
    }

    @Test
    void roundTripGivesIdenticalTensorsAndOutputs() {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 21)) {
            randomiseBatchNorms(net, 3);
            float[] expected = outputs(net);
            JsonObject training = new JsonObject();
            training.addProperty("epoch", 4);
            List<Tensor> optimizer = List.of(new Tensor("m", new long[] {2}, new float[] {0.25f, -1f}));
            ModelCheckpoint.save(dir, net, new ModelCheckpoint.Info(null, Map.of("top1", 0.5)), training, optimizer);
            assertEquals(List.of("params.bin", "optimizer.bin"),
                    List.copyOf(CheckpointDir.readVerified(dir).parts().keySet()), "no masks.bin when unmasked");

            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(dir);
            try (Network back = loaded.network()) {
                assertEquals(net.spec(), back.spec());
                assertEquals(net.exportTensors(), back.exportTensors());
                assertTrue(back.masks().isEmpty());
                assertArrayEquals(expected, outputs(back), 0f);
                assertEquals(Map.of("top1", 0.5), loaded.manifest().metrics());
                assertEquals(4, loaded.manifest().training().get("epoch").getAsInt());
                assertEquals(optimizer, loaded.optimizer());
            }

            // loading into a fresh network of the same architecture (another name is fine) restores it too
            try (Network other = Network.create(tinyVgg().withName("renamed"), 99)) {
                assertFalse(net.exportTensors().equals(other.exportTensors()));
                ModelCheckpoint.Loaded into = ModelCheckpoint.loadInto(dir, other);
                assertSame(other, into.network());
                assertEquals(net.exportTensors(), other.exportTensors());
                assertArrayEquals(expected, outputs(other), 0f);
                assertEquals(optimizer, into.optimizer());
            }
        }
    }

    @Test
    void savingTwiceReplacesTheCheckpoint() {
        Path dir = root.resolve("ckpt");
        try (Network a = Network.create(tinyVgg(), 1); Network b = Network.create(tinyVgg(), 2)) {
            save(dir, a);
            save(dir, b);
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(dir);
            try (Network back = loaded.network()) {
                assertEquals(b.exportTensors(), back.exportTensors());
                assertNull(loaded.optimizer());
            }
        }
    }

    @Test
    void masksRoundTripAndParamsAreWrittenSparse() throws IOException {
        Path dir = root.resolve("pruned");
        try (Network net = Network.create(smallVgg(), 5);
                Network pruned = new WeightLevelPruning(0.9, true).prune(net).network()) {
            float[] expected = outputs(pruned);
            save(dir, pruned);
            assertTrue(Files.isRegularFile(dir.resolve(CheckpointDir.MASKS)));

            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(dir);
            try (Network back = loaded.network()) {
                assertEquals(pruned.exportTensors(), back.exportTensors());
                assertEquals(pruned.exportMasks(), back.exportMasks());
                assertEquals(List.copyOf(pruned.masks().keySet()), List.copyOf(back.masks().keySet()));
                assertEquals(dev.sculptor.engine.metrics.ModelStats.of(pruned),
                        dev.sculptor.engine.metrics.ModelStats.of(back));
                assertArrayEquals(expected, outputs(back), 0f);
            }

            Path dense = root.resolve("dense.bin");
            TensorFile.write(dense, pruned.exportTensors(), false);
            long sparseSize = Files.size(dir.resolve(CheckpointDir.PARAMS));
            assertTrue(sparseSize < Files.size(dense), sparseSize + " vs dense " + Files.size(dense));
        }
    }

    /**
     * With 90% of the weights masked, a params.bin that leaves the masked weights out costs about
     * 1/8 + 4 * 0.1 bytes per weight instead of 4: well under half the dense size.
     */
    @Test
    void maskedWeightsAreStoredAsPositiveZeroSoSparseEncodingDropsThem() throws IOException {
        Path dir = root.resolve("pruned");
        try (Network net = Network.create(smallVgg(), 5);
                Network pruned = new WeightLevelPruning(0.9, true).prune(net).network()) {
            save(dir, pruned);
            Path dense = root.resolve("dense.bin");
            TensorFile.write(dense, pruned.exportTensors(), false);
            long sparseSize = Files.size(dir.resolve(CheckpointDir.PARAMS));
            assertTrue(2 * sparseSize < Files.size(dense), "params.bin " + sparseSize + " bytes, dense "
                    + Files.size(dense) + " bytes");
            for (Tensor t : pruned.exportTensors()) {
                NDArray mask = pruned.masks().get(t.name());
                if (mask == null) {
                    continue;
                }
                float[] m = mask.toFloatArray();
                for (int i = 0; i < m.length; i++) {
                    if (m[i] == 0f) {
                        assertEquals(0, Float.floatToRawIntBits(t.data()[i]), t.name() + "[" + i + "] is " + t.data()[i]);
                    }
                }
            }
        }
    }

    @Test
    void flippedByteIsRefusedBySha256() throws IOException {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 1)) {
            save(dir, net);
        }
        Path params = dir.resolve(CheckpointDir.PARAMS);
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(params, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        assertTrue(e.getMessage().contains("params.bin"), e.getMessage());
        try (Network net = Network.create(tinyVgg(), 1)) {
            CheckpointException e2 = assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadInto(dir, net));
            assertTrue(e2.getMessage().contains("SHA-256"), e2.getMessage());
        }
    }

    @Test
    void wrongTensorShapeIsNamedWithBothShapes() {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 1)) {
            save(dir, net);
        }
        Path params = dir.resolve(CheckpointDir.PARAMS);
        List<Tensor> tensors = new ArrayList<>();
        for (Tensor t : TensorFile.read(params)) {
            tensors.add(t.name().equals("features.1.conv.weight")
                    ? new Tensor(t.name(), new long[] {6, 4, 5, 5}, new float[6 * 4 * 25]) : t);
        }
        TensorFile.write(params, tensors, false);
        // re-hash so that the manifest check passes and the shape check is what refuses it
        CheckpointDir.write(dir, CheckpointDir.readManifest(dir), Map.of(CheckpointDir.PARAMS, params));
        CheckpointDir.readVerified(dir);

        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(dir));
        String msg = e.getMessage();
        assertTrue(msg.contains("params.bin"), msg);
        assertTrue(msg.contains("features.1.conv.weight"), msg);
        assertTrue(msg.contains("(6, 4, 5, 5)"), msg);
        assertTrue(msg.contains("(6, 4, 3, 3)"), msg);
    }

    /** Rewrites the checkpoint's manifest with a changed arch (parts re-hashed as they are). */
    static void replaceArch(Path dir, JsonObject arch) {
        Manifest m = CheckpointDir.readManifest(dir);
        CheckpointDir.write(dir, m.toBuilder().arch(arch).build(),
                Map.of(CheckpointDir.PARAMS, dir.resolve(CheckpointDir.PARAMS)));
    }

    @Test
    void invalidArchIsNamed() {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 1)) {
            save(dir, net);
        }
        JsonObject arch = CheckpointDir.readManifest(dir).arch();
        JsonArray widths = new JsonArray();
        widths.add(4);
        widths.add(0);
        arch.add("convWidths", widths);
        replaceArch(dir, arch);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
        assertTrue(e.getMessage().contains("convWidths[1] must be a positive width, got 0"), e.getMessage());

        arch.addProperty("family", "alexnet");
        replaceArch(dir, arch);
        CheckpointException f = assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(dir));
        assertTrue(f.getMessage().contains("unknown family 'alexnet'"), f.getMessage());
    }

    @Test
    void loadIntoWithInvalidArchIsACheckpointException() {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 1)) {
            save(dir, net);
            JsonObject arch = CheckpointDir.readManifest(dir).arch();
            arch.addProperty("numClasses", 1);
            replaceArch(dir, arch);
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadInto(dir, net));
            assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
            assertTrue(e.getMessage().contains("numClasses must be at least 2"), e.getMessage());
        }
    }

    @Test
    void loadIntoADifferentArchitectureIsRefused() {
        Path dir = root.resolve("ckpt");
        try (Network net = Network.create(tinyVgg(), 1)) {
            save(dir, net);
        }
        ArchSpec wider = tinyVgg().withConvWidths(List.of(4, 8));
        try (Network other = Network.create(wider, 1)) {
            List<Tensor> before = other.exportTensors();
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadInto(dir, other));
            assertTrue(e.getMessage().contains("differs from the network"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            assertEquals(before, other.exportTensors(), "nothing was loaded");
        }
        ArchSpec moreClasses = new ArchSpec("vgg", "t", List.of(1, 8, 8), 4, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
        try (Network other = Network.create(moreClasses, 1)) {
            assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadInto(dir, other));
        }
    }
}
