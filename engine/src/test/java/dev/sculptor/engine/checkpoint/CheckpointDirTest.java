package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirTest {
    @TempDir Path root;

    private static final List<Tensor> PARAMS = List.of(
            new Tensor("features.0.weight", new long[] {4, 3, 3, 3}, ramp(108)),
            new Tensor("features.0.bias", new long[] {4}, new float[] {0, 0.5f, 0, -1}));
    private static final List<Tensor> MASKS = List.of(
            new Tensor("features.0", new long[] {4}, new float[] {1, 1, 0, 1}));

    private static float[] ramp(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % 3 == 0 ? 0f : i * 0.25f;
        }
        return a;
    }

    private static Manifest manifest(double top1) {
        JsonObject arch = new JsonObject();
        arch.addProperty("name", "vgg-mini");
        return Manifest.builder().createdAt("2025-03-01T12:00:00Z").arch(arch)
                .metric("top1", top1).build();
    }

    /** A complete checkpoint in {@code dir} with params.bin and masks.bin. */
    private static Path writeCheckpoint(Path dir, double top1) throws IOException {
        Files.createDirectories(dir);
        TensorFile.write(dir.resolve(CheckpointDir.PARAMS), PARAMS, true);
        TensorFile.write(dir.resolve(CheckpointDir.MASKS), MASKS, true);
        Map<String, Path> parts = new LinkedHashMap<>();
        parts.put(CheckpointDir.PARAMS, dir.resolve(CheckpointDir.PARAMS));
        parts.put(CheckpointDir.MASKS, dir.resolve(CheckpointDir.MASKS));
        CheckpointDir.write(dir, manifest(top1), parts);
        return dir;
    }

    private static String error(Path dir) {
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> CheckpointDir.readVerified(dir));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void writeRecordsSizesAndHashesAndReadsBack() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Manifest m = CheckpointDir.readVerified(dir);
        assertEquals(List.of("params.bin", "masks.bin"), List.copyOf(m.parts().keySet()));
        for (String part : m.parts().keySet()) {
            Path f = dir.resolve(part);
            assertEquals(Files.size(f), m.parts().get(part).bytes());
            assertEquals(Sha256.of(f), m.parts().get(part).sha256());
        }
        assertEquals(Map.of("top1", 0.75), m.metrics());
        assertEquals(manifest(0.75).arch(), m.arch());
        assertEquals(PARAMS, TensorFile.read(dir.resolve(CheckpointDir.PARAMS)));
        assertEquals(MASKS, TensorFile.read(dir.resolve(CheckpointDir.MASKS)));
        assertTrue(Files.readString(dir.resolve(CheckpointDir.MANIFEST)).endsWith("}\n"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files left");
        }
    }

    @Test
    void flippedByteIsDetectedAsShaMismatch() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Path params = dir.resolve("params.bin");
        String recorded = CheckpointDir.readManifest(dir).parts().get("params.bin").sha256();
        byte[] b = Files.readAllBytes(params);
        b[b.length / 2] ^= 0x01;
        Files.write(params, b);
        String msg = error(dir);
        assertEquals(params + ": SHA-256 mismatch (manifest " + recorded.substring(0, 12) + "…, file "
                + Sha256.of(params).substring(0, 12) + "…): the file was modified or corrupted", msg);
    }

    @Test
    void truncatedPartIsDetectedAsSizeMismatch() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Path masks = dir.resolve("masks.bin");
        byte[] b = Files.readAllBytes(masks);
        Files.write(masks, java.util.Arrays.copyOf(b, b.length - 1));
        assertEquals(masks + ": size mismatch (manifest " + b.length + " bytes, file "
                + (b.length - 1) + " bytes): the file was truncated or replaced", error(dir));
    }

    @Test
    void deletedPartIsDetected() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Files.delete(dir.resolve("masks.bin"));
        assertEquals(dir.resolve("masks.bin")
                + ": missing, but listed in manifest.json: the checkpoint is incomplete", error(dir));
    }

    @Test
    void missingManifestIsNotACheckpoint() throws IOException {
        Path dir = root.resolve("ckpt");
        Files.createDirectories(dir);
        TensorFile.write(dir.resolve("params.bin"), PARAMS, false);
        assertEquals(dir + ": no manifest.json, not a Sculptor checkpoint", error(dir));
        assertEquals(root.resolve("nothing") + ": no such checkpoint directory",
                error(root.resolve("nothing")));
    }

    @Test
    void invalidManifestFieldIsReported() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Path mf = dir.resolve("manifest.json");
        Files.writeString(mf, Files.readString(mf).replace("\"top1\": 0.75", "\"top1\": \"good\""));
        assertEquals(mf + ": field 'metrics.top1' must be a number, got \"good\"", error(dir));
        Files.writeString(mf, "{ not json");
        assertTrue(error(dir).startsWith(mf + ": invalid JSON: "));
        Files.write(mf, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertEquals(mf + ": not UTF-8 text, not a Sculptor manifest", error(dir));
    }

    @Test
    void writeRejectsPartsOutsideTheDirectory() throws IOException {
        Path dir = writeCheckpoint(root.resolve("ckpt"), 0.75);
        Path other = writeCheckpoint(root.resolve("other"), 0.5);
        assertThrows(IllegalArgumentException.class, () -> CheckpointDir.write(dir, manifest(0.1),
                Map.of("params.bin", other.resolve("params.bin"))));
        assertThrows(IllegalArgumentException.class, () -> CheckpointDir.write(dir, manifest(0.1),
                Map.of("../other/params.bin", other.resolve("params.bin"))));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointDir.write(dir,
                manifest(0.1), Map.of("optimizer.bin", dir.resolve("optimizer.bin"))));
        assertEquals(dir.resolve("optimizer.bin") + ": part 'optimizer.bin' does not exist",
                e.getMessage());
        assertEquals(Map.of("top1", 0.75), CheckpointDir.readVerified(dir).metrics(), "unchanged");
    }

    @Test
    void replaceAtomicallyLeavesTheNewContent() throws IOException {
        Path target = writeCheckpoint(root.resolve("ckpt"), 0.5);
        Path staging = writeCheckpoint(CheckpointDir.newStagingDir(target), 0.9);
        assertTrue(staging.getFileName().toString().startsWith(".ckpt.staging-"));
        CheckpointDir.replaceAtomically(staging, target);
        assertEquals(Map.of("top1", 0.9), CheckpointDir.readVerified(target).metrics());
        assertFalse(Files.exists(staging));
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(List.of(target), files.toList(), "no staging or backup left");
        }
    }

    @Test
    void replaceAtomicallyCreatesAMissingTargetAndCleansAStaleBackup() throws IOException {
        Path target = root.resolve("ckpt");
        CheckpointDir.replaceAtomically(writeCheckpoint(root.resolve("s1"), 0.1), target);
        assertEquals(Map.of("top1", 0.1), CheckpointDir.readVerified(target).metrics());

        Path stale = writeCheckpoint(root.resolve(".ckpt.replaced"), 0.0);
        CheckpointDir.replaceAtomically(writeCheckpoint(root.resolve("s2"), 0.2), target);
        assertEquals(Map.of("top1", 0.2), CheckpointDir.readVerified(target).metrics());
        assertFalse(Files.exists(stale));
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void replaceAtomicallyRefusesAnIncompleteStagingDirectory() throws IOException {
        Path target = writeCheckpoint(root.resolve("ckpt"), 0.5);
        Path staging = CheckpointDir.newStagingDir(target);
        TensorFile.write(staging.resolve("params.bin"), PARAMS, false);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointDir.replaceAtomically(staging, target));
        assertTrue(e.getMessage().startsWith(staging + ": no manifest.json"), e.getMessage());
        assertEquals(Map.of("top1", 0.5), CheckpointDir.readVerified(target).metrics());
    }
}
