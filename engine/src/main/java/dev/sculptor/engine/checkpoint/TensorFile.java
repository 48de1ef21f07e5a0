package dev.sculptor.engine.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The binary part format ({@code params.bin}, {@code masks.bin}, {@code optimizer.bin}): an ordered list
 * of named float32 tensors.
 *
 * <pre>
 * file    = magic "SCTF" (4 ASCII bytes), version u32 (= 1), count u32, tensor * count   (nothing after)
 * tensor  = nameLength u32 (1..65535), name (UTF-8), rank u32 (0..32), dim i64 * rank (each &gt;= 0),
 *           encoding u8, payload
 * DENSE  (encoding 0): n = product(dims) values, f32 each
 * SPARSE (encoding 1): bitmap of ceil(n / 8) bytes, bit (i % 8) of byte (i / 8) (least significant bit
 *           first) set iff element i is stored; unused high bits of the last byte are 0;
 *           then only the stored elements, f32 each, in index order
 * </pre>
 *
 * <p>Every integer and float is <b>little-endian</b> (the native order of x86 and ARM, and NumPy's
 * {@code '<f4'}, so the file is trivial to read elsewhere); floats are stored as their raw IEEE-754 bit
 * patterns, NaN payloads included.
 *
 * <p>SPARSE exists because weight pruning zeroes most of a pruned layer: a bitmap costs 1 bit per element
 * against 32 bits per dense value. An element is "zero", i.e. left out, only if its bit pattern is that
 * of {@code +0.0f}; {@code -0.0f} and NaN are stored like any other value, so both encodings round-trip
 * bit-exactly. The writer picks SPARSE per tensor only when asked to and only when it is strictly
 * smaller than DENSE.
 *
 * <p>Reading and writing stream through 64 KiB buffers: the only full-size copy in memory is the
 * tensors themselves (plus, for a SPARSE tensor being read, its bitmap of n / 8 bytes).
 */
public final class TensorFile {
    static final byte[] MAGIC = {'S', 'C', 'T', 'F'};
    public static final int VERSION = 1;
    static final byte DENSE = 0;
    static final byte SPARSE = 1;
    static final int MAX_NAME_BYTES = 65535;
    static final int MAX_RANK = 32;
    /** Largest Java array the JVM reliably allocates. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorFile() {}

    /**
     * Writes {@code tensors} in order to {@code file} atomically (temporary file in the same directory,
     * flushed to disk, then renamed over {@code file}).
     *
     * @param sparse whether each tensor may use SPARSE when that is smaller (it is for weight-pruned
     *     parameters and masks, rarely for optimizer state)
     * @throws IllegalArgumentException if two tensors share a name or a name or rank exceeds the format
     * @throws CheckpointException      on I/O failure, naming the file; {@code file} is then unchanged
     */
    public static void write(Path file, List<Tensor> tensors, boolean sparse) {
        Objects.requireNonNull(file, "file");
        List<Tensor> list = List.copyOf(tensors);
        Set<String> names = new HashSet<>();
        for (Tensor t : list) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException(file + ": duplicate tensor name '" + t.name() + "'");
            }
            if (t.name().getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException(file + ": tensor name longer than " + MAX_NAME_BYTES
                        + " bytes: '" + t.name().substring(0, 40) + "…'");
            }
            if (t.rank() > MAX_RANK) {
                throw new IllegalArgumentException(file + ": tensor '" + t.name() + "' has rank " + t.rank()
                        + ", the format allows at most " + MAX_RANK);
            }
        }
        AtomicFiles.write(file, out -> writeTo(out, list, sparse));
    }

    private static void writeTo(OutputStream os, List<Tensor> tensors, boolean sparse)
            throws IOException {
        LeOutput out = new LeOutput(os);
        out.bytes(MAGIC);
        out.i32(VERSION);
        out.i32(tensors.size());
        for (Tensor t : tensors) {
            byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
            out.i32(name.length);
            out.bytes(name);
            long[] shape = t.shape();
            out.i32(shape.length);
            for (long d : shape) {
                out.i64(d);
            }
            float[] data = t.data();
            int stored = 0;
            if (sparse) {
                for (float v : data) {
                    if (Float.floatToRawIntBits(v) != 0) {
                        stored++;
                    }
                }
            }
            if (sparse && sparseBytes(data.length, stored) < denseBytes(data.length)) {
                out.u8(SPARSE);
                writeSparse(out, data);
            } else {
                out.u8(DENSE);
                for (float v : data) {
                    out.i32(Float.floatToRawIntBits(v));
                }
            }
        }
        out.flush();
    }

    private static void writeSparse(LeOutput out, float[] data) throws IOException {
        int n = data.length;
        for (int i = 0; i < n; i += 8) {
            int b = 0;
            for (int j = 0, end = Math.min(8, n - i); j < end; j++) {
                if (Float.floatToRawIntBits(data[i + j]) != 0) {
                    b |= 1 << j;
                }
            }
            out.u8(b);
        }
        for (float v : data) {
            int bits = Float.floatToRawIntBits(v);
            if (bits != 0) {
                out.i32(bits);
            }
        }
    }

    static long denseBytes(long n) {
        return 4 * n;
    }

    static long sparseBytes(long n, long stored) {
        return (n + 7) / 8 + 4 * stored;
    }

    /**
     * Reads every tensor of {@code file}, in file order.
     *
     * @throws CheckpointException naming the file if it is missing, not in this format, of another
     *     version, inconsistent, truncated, or followed by trailing bytes
     */
    public static List<Tensor> read(Path file) {
        Objects.requireNonNull(file, "file");
        long fileSize;
        try {
            fileSize = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such file", e);
        } catch (IOException e) {
            throw CheckpointException.io(file, "cannot read", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new Reader(file, fileSize, new LeInput(in)).read();
        } catch (IOException e) {
            throw CheckpointException.io(file, "cannot read", e);
        }
    }

    /** One read of one file; {@code where} names the current position for truncation messages. */
    private static final class Reader {
        private final Path file;
        private final long fileSize;
        private final LeInput in;
        private String where = "header";

        Reader(Path file, long fileSize, LeInput in) {
            this.file = file;
            this.fileSize = fileSize;
            this.in = in;
        }

        List<Tensor> read() throws IOException {
            try {
                return readAll();
            } catch (EOFException e) {
                throw fail("truncated in " + where);
            }
        }

        private List<Tensor> readAll() throws IOException {
            if (fileSize < MAGIC.length) {
                throw fail("not a Sculptor tensor file (only " + fileSize + " bytes)");
            }
            byte[] magic = new byte[MAGIC.length];
            in.bytes(magic, 0, magic.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw fail("not a Sculptor tensor file (bad magic)");
            }
            int version = in.i32();
            if (version != VERSION) {
                throw fail("unsupported tensor file version " + Integer.toUnsignedString(version)
                        + " (this build reads version " + VERSION + ")");
            }
            long count = Integer.toUnsignedLong(in.i32());
            // A corrupt count surfaces as truncation; just do not trust it for the list's capacity
            // (each tensor takes at least 4 + 1 + 4 + 1 bytes).
            List<Tensor> tensors = new ArrayList<>((int) Math.min(count, remaining() / 10));
            Set<String> names = new HashSet<>();
            for (int i = 0; i < count; i++) {
                Tensor t = readTensor(i, count);
                if (!names.add(t.name())) {
                    throw fail("duplicate tensor name '" + t.name() + "'");
                }
                tensors.add(t);
            }
            where = "trailer";
            long trailing = fileSize - in.position();
            if (trailing > 0) {
                throw fail(trailing + " trailing bytes after the last tensor");
            }
            if (!in.atEnd()) {
                throw fail("trailing bytes after the last tensor (the file grew while being read)");
            }
            return tensors;
        }

        private Tensor readTensor(int index, long count) throws IOException {
            where = "tensor #" + (index + 1) + " of " + count;
            long nameLength = Integer.toUnsignedLong(in.i32());
            if (nameLength == 0 || nameLength > MAX_NAME_BYTES) {
                throw fail(where + ": corrupt name length " + nameLength);
            }
            if (nameLength > remaining()) {
                throw new EOFException();
            }
            byte[] nameBytes = new byte[(int) nameLength];
            in.bytes(nameBytes, 0, nameBytes.length);
            String name;
            try {
                name = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(nameBytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw fail(where + ": name is not valid UTF-8");
            }
            where = "tensor '" + name + "'";
            long rank = Integer.toUnsignedLong(in.i32());
            if (rank > MAX_RANK) {
                throw fail(where + ": corrupt rank " + rank + " (at most " + MAX_RANK + ")");
            }
            long[] shape = new long[(int) rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = in.i64();
                if (shape[d] < 0) {
                    throw fail(where + ": corrupt shape, negative dimension " + shape[d]);
                }
            }
            long n;
            try {
                n = Tensor.elementCount(shape);
            } catch (IllegalArgumentException e) {
                n = -1;
            }
            if (n < 0 || n > MAX_ELEMENTS) {
                throw fail(where + ": corrupt shape " + Arrays.toString(shape) + ", more than "
                        + MAX_ELEMENTS + " elements");
            }
            int encoding = in.u8();
            float[] data;
            if (encoding == DENSE) {
                if (denseBytes(n) > remaining()) {
                    throw new EOFException();
                }
                data = new float[(int) n];
                for (int i = 0; i < n; i++) {
                    data[i] = Float.intBitsToFloat(in.i32());
                }
            } else if (encoding == SPARSE) {
                data = readSparse((int) n);
            } else {
                throw fail(where + ": unknown encoding " + encoding);
            }
            return new Tensor(name, shape, data);
        }

        private float[] readSparse(int n) throws IOException {
            int bitmapLength = (int) ((n + 7L) / 8);
            if (bitmapLength > remaining()) {
                throw new EOFException();
            }
            byte[] bitmap = new byte[bitmapLength];
            in.bytes(bitmap, 0, bitmapLength);
            long stored = 0;
            for (byte b : bitmap) {
                stored += Integer.bitCount(b & 0xff);
            }
            if (n % 8 != 0 && (bitmap[bitmapLength - 1] & 0xff) >>> (n % 8) != 0) {
                throw fail(where + ": corrupt sparse bitmap (bits set past the last element)");
            }
            if (4 * stored > remaining()) {
                throw new EOFException();
            }
            float[] data = new float[n];
            for (int byteIndex = 0; byteIndex < bitmapLength; byteIndex++) {
                int b = bitmap[byteIndex] & 0xff;
                while (b != 0) {
                    int bit = Integer.numberOfTrailingZeros(b);
                    b &= b - 1;
                    int bits = in.i32();
                    if (bits == 0) {
                        throw fail(where + ": corrupt sparse data (a stored element is +0.0)");
                    }
                    data[byteIndex * 8 + bit] = Float.intBitsToFloat(bits);
                }
            }
            return data;
        }

        private long remaining() {
            return fileSize - in.position();
        }

        private CheckpointException fail(String problem) {
            return new CheckpointException(file + ": " + problem);
        }
    }

    /** Little-endian reader with its own buffer (no per-value synchronisation, unlike Buffered*Stream). */
    private static final class LeInput {
        private final InputStream in;
        private final ByteBuffer buf =
                ByteBuffer.allocate(AtomicFiles.BUFFER).order(ByteOrder.LITTLE_ENDIAN).limit(0);
        private long position;

        LeInput(InputStream in) {
            this.in = in;
        }

        long position() {
            return position;
        }

        private void need(int k) throws IOException {
            if (buf.remaining() >= k) {
                return;
            }
            buf.compact();
            while (buf.position() < k) {
                int r = in.read(buf.array(), buf.position(), buf.capacity() - buf.position());
                if (r < 0) {
                    buf.flip();
                    throw new EOFException();
                }
                buf.position(buf.position() + r);
            }
            buf.flip();
        }

        int u8() throws IOException {
            need(1);
            position += 1;
            return buf.get() & 0xff;
        }

        int i32() throws IOException {
            need(4);
            position += 4;
            return buf.getInt();
        }

        long i64() throws IOException {
            need(8);
            position += 8;
            return buf.getLong();
        }

        void bytes(byte[] dst, int off, int len) throws IOException {
            while (len > 0) {
                need(1);
                int k = Math.min(len, buf.remaining());
                buf.get(dst, off, k);
                position += k;
                off += k;
                len -= k;
            }
        }

        boolean atEnd() throws IOException {
            if (buf.hasRemaining()) {
                return false;
            }
            buf.clear();
            int r = in.read(buf.array());
            buf.limit(Math.max(r, 0));
            return r < 0;
        }
    }

    /** Little-endian writer over the caller's stream, through its own buffer. */
    private static final class LeOutput {
        private final OutputStream out;
        private final ByteBuffer buf =
                ByteBuffer.allocate(AtomicFiles.BUFFER).order(ByteOrder.LITTLE_ENDIAN);

        LeOutput(OutputStream out) {
            this.out = out;
        }

        private void room(int k) throws IOException {
            if (buf.remaining() < k) {
                flushBuffer();
            }
        }

        private void flushBuffer() throws IOException {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
        }

        void i32(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void i64(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void bytes(byte[] b) throws IOException {
            flushBuffer();
            out.write(b);
        }

        void flush() throws IOException {
            flushBuffer();
            out.flush();
        }
    }
}
