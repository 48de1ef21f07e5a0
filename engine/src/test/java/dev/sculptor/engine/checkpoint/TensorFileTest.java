package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorFileTest {
    @TempDir Path dir;

    private static final String GAMMA = "bn.\u03b3"; // 5 bytes in UTF-8

    /** Header 12 + per tensor (4 + name + 4 + 8 * rank + 1 + payload): 12 + 82 + 40 + 19 + 30 + 26. */
    private static final long MIXED_DENSE_BYTES = 209;

    private static List<Tensor> mixed() {
        return List.of(
                new Tensor("features.0.weight", new long[] {2, 3, 1, 1},
                        new float[] {1.5f, -2.25f, Float.MIN_VALUE, Float.MAX_VALUE, 1e-30f,
                                Float.POSITIVE_INFINITY}),
                new Tensor("features.0.bias", new long[] {2}, new float[] {0.0f, -7f}),
                new Tensor("scalar", new long[0], new float[] {42f}),
                new Tensor("empty", new long[] {0, 3}, new float[0]),
                new Tensor(GAMMA, new long[] {1}, new float[] {0.125f}));
    }

    /** 100 x 100 with every tenth element non-zero: 90 % zeros, as after 90 % weight pruning. */
    private static Tensor pruned() {
        float[] data = new float[10_000];
        for (int i = 0; i < data.length; i += 10) {
            data[i] = (i + 1) * 0.5f;
        }
        return new Tensor("features.3.weight", new long[] {100, 100}, data);
    }

    private static void assertSameBits(List<Tensor> expected, List<Tensor> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Tensor e = expected.get(i);
            Tensor a = actual.get(i);
            assertEquals(e.name(), a.name());
            assertArrayEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(rawBits(e.data()), rawBits(a.data()), e.name());
        }
        assertEquals(expected, actual);
    }

    private static int[] rawBits(float[] data) {
        int[] bits = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            bits[i] = Float.floatToRawIntBits(data[i]);
        }
        return bits;
    }

    @Test
    void denseRoundTripKeepsNamesShapesOrderAndExactValues() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), false);
        assertEquals(MIXED_DENSE_BYTES, Files.size(f));
        assertSameBits(mixed(), TensorFile.read(f));
        byte[] head = Arrays.copyOf(Files.readAllBytes(f), 12);
        assertArrayEquals(new byte[] {'S', 'C', 'T', 'F', 1, 0, 0, 0, 5, 0, 0, 0}, head);
    }

    @Test
    void sparseRoundTrip() {
        Path f = dir.resolve("params.bin");
        List<Tensor> tensors = Stream.concat(mixed().stream(), Stream.of(pruned())).toList();
        TensorFile.write(f, tensors, true);
        assertSameBits(tensors, TensorFile.read(f));
    }

    @Test
    void sparseFileOfNinetyPercentZerosIsSmall() throws IOException {
        Path dense = dir.resolve("dense.bin");
        Path sparse = dir.resolve("sparse.bin");
        TensorFile.write(dense, List.of(pruned()), false);
        TensorFile.write(sparse, List.of(pruned()), true);
        // 12 + (4 + 17 + 4 + 16 + 1) + payload: 40,000 dense; 1,250 bitmap + 1,000 * 4 sparse.
        assertEquals(40_054, Files.size(dense));
        assertEquals(5_304, Files.size(sparse));
        assertTrue(Files.size(sparse) < 0.3 * Files.size(dense));
        assertEquals(List.of(pruned()), TensorFile.read(sparse));
        assertEquals(List.of(pruned()), TensorFile.read(dense));
    }

    @Test
    void negativeZeroAndNaNRoundTripBitExactly() throws IOException {
        float[] data = new float[64];
        data[3] = -0.0f;
        data[10] = Float.NaN;
        data[11] = Float.intBitsToFloat(0x7fc00123); // NaN with a payload
        data[20] = Float.NEGATIVE_INFINITY;
        data[63] = Float.MIN_VALUE;
        List<Tensor> tensors = List.of(new Tensor("z", new long[] {64}, data));

        Path s = dir.resolve("sparse.bin");
        TensorFile.write(s, tensors, true);
        byte[] bytes = Files.readAllBytes(s);
        // 12 + (4 + 1 + 4 + 8 + 1) + 8 bitmap + 5 stored values (-0.0 is stored, +0.0 is not).
        assertEquals(58, bytes.length);
        assertEquals(TensorFile.SPARSE, bytes[29]);
        assertSameBits(tensors, TensorFile.read(s));

        Path d = dir.resolve("dense.bin");
        TensorFile.write(d, tensors, false);
        assertEquals(TensorFile.DENSE, Files.readAllBytes(d)[29]);
        assertSameBits(tensors, TensorFile.read(d));
    }

    @Test
    void sparseFallsBackToDenseWhenNotSmaller() throws IOException {
        List<Tensor> full = List.of(new Tensor("w", new long[] {8},
                new float[] {1, 2, 3, 4, 5, 6, 7, 8}));
        Path s = dir.resolve("s.bin");
        TensorFile.write(s, full, true);
        assertEquals(12 + 4 + 1 + 4 + 8 + 1 + 32, Files.size(s));
        assertEquals(TensorFile.DENSE, Files.readAllBytes(s)[29]);
        assertEquals(full, TensorFile.read(s));
    }

    @Test
    void largeTensorsRoundTrip() {
        float[] data = new float[4_000_000];
        for (int i = 0; i < data.length; i += 3) {
            data[i] = i * 1e-3f - 17f;
        }
        List<Tensor> tensors = List.of(new Tensor("big", new long[] {4000, 1000}, data),
                new Tensor("after", new long[] {1}, new float[] {3f}));
        for (boolean sparse : new boolean[] {false, true}) {
            Path f = dir.resolve("big-" + sparse + ".bin");
            TensorFile.write(f, tensors, sparse);
            assertEquals(tensors, TensorFile.read(f));
        }
    }

    @Test
    void overwriteIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), false);
        TensorFile.write(f, List.of(pruned()), true);
        assertEquals(List.of(pruned()), TensorFile.read(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), false);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> AtomicFiles.write(f, out -> {
                    out.write(new byte[100_000]);
                    throw new IOException("disk full");
                }));
        assertTrue(e.getMessage().startsWith(f + ": cannot write: disk full"), e.getMessage());
        assertSameBits(mixed(), TensorFile.read(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void writeRejectsDuplicateNamesAndMissingDirectory() {
        Tensor t = new Tensor("w", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class,
                () -> TensorFile.write(dir.resolve("p.bin"), List.of(t, t), false));
        Path f = dir.resolve("no-such-dir").resolve("params.bin");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TensorFile.write(f, List.of(t), false));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    // ----- rejected files -----

    private String readError(Path f) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TensorFile.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage().substring(f.toString().length() + 2);
    }

    @Test
    void badMagicIsRejected() throws IOException {
        Path f = dir.resolve("params.bin");
        Files.write(f, "GGUF and then some bytes".getBytes(StandardCharsets.US_ASCII));
        assertEquals("not a Sculptor tensor file (bad magic)", readError(f));
        Files.write(f, new byte[] {'S', 'C'});
        assertEquals("not a Sculptor tensor file (only 2 bytes)", readError(f));
    }

    @Test
    void otherVersionIsRejected() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), false);
        byte[] b = Files.readAllBytes(f);
        b[4] = 2;
        Files.write(f, b);
        assertEquals("unsupported tensor file version 2 (this build reads version 1)", readError(f));
    }

    @Test
    void truncatedFileIsRejectedNamingTheTensor() throws IOException {
        Path f = dir.resolve("params.bin");
        List<Tensor> tensors = List.of(mixed().get(0), pruned());
        for (boolean sparse : new boolean[] {false, true}) {
            TensorFile.write(f, tensors, sparse);
            byte[] b = Files.readAllBytes(f);
            Files.write(f, Arrays.copyOf(b, b.length - 3));
            assertEquals("truncated in tensor 'features.3.weight'", readError(f));
        }
        Files.write(f, new byte[] {'S', 'C', 'T', 'F', 1, 0, 0});
        assertEquals("truncated in header", readError(f));
        TensorFile.write(f, tensors, false);
        Files.write(f, Arrays.copyOf(Files.readAllBytes(f), 12 + 4 + 5));
        assertEquals("truncated in tensor #1 of 2", readError(f));
    }

    @Test
    void trailingGarbageIsRejected() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), true);
        Files.write(f, new byte[] {1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        assertEquals("5 trailing bytes after the last tensor", readError(f));
    }

    /** A one-tensor file named "w" with the given rank/dims/encoding and payload. */
    private Path craft(long[] dims, int encoding, byte... payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'S', 'C', 'T', 'F'}).putInt(1).putInt(1).putInt(1).put((byte) 'w');
        b.putInt(dims.length);
        for (long d : dims) {
            b.putLong(d);
        }
        b.put((byte) encoding).put(payload);
        Path f = dir.resolve("crafted.bin");
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
        return f;
    }

    @Test
    void corruptHeadersAreRejectedWithoutHugeAllocations() throws IOException {
        assertEquals("tensor 'w': corrupt shape [1073741824, 1073741824], more than 2147483639 elements",
                readError(craft(new long[] {1L << 30, 1L << 30}, 0)));
        assertEquals("tensor 'w': corrupt shape, negative dimension -4",
                readError(craft(new long[] {2, -4}, 0)));
        // 1.5 billion elements claimed, none present: refused before allocating 6 GB.
        assertEquals("truncated in tensor 'w'", readError(craft(new long[] {1_500_000_000L}, 0)));
        assertEquals("truncated in tensor 'w'", readError(craft(new long[] {1_500_000_000L}, 1)));
        assertEquals("tensor 'w': unknown encoding 7",
                readError(craft(new long[] {1}, 7, new byte[4])));
        assertEquals("tensor 'w': corrupt sparse bitmap (bits set past the last element)",
                readError(craft(new long[] {3}, 1, new byte[] {(byte) 0b1000_0001, 0, 0, (byte) 0x80, 0x3f})));
        assertEquals("tensor 'w': corrupt sparse data (a stored element is +0.0)",
                readError(craft(new long[] {3}, 1, new byte[] {0b0000_0001, 0, 0, 0, 0})));
    }

    @Test
    void corruptCountIsRejected() throws IOException {
        Path f = dir.resolve("params.bin");
        TensorFile.write(f, mixed(), false);
        byte[] b = Files.readAllBytes(f);
        b[11] = 0x7f;
        Files.write(f, b);
        assertEquals("truncated in tensor #6 of 2130706437", readError(f));
    }

    @Test
    void missingFileIsReported() {
        assertEquals("no such file", readError(dir.resolve("params.bin")));
    }
}
