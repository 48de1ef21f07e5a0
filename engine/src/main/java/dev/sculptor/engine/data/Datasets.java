package dev.sculptor.engine.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Loads the supported datasets from their original distribution files.
 *
 * <p>Files are checked strictly (magic numbers, dimensions, counts, label range, exact length)
 * because a silently misread dataset trains a plausible-looking but wrong model; every problem
 * becomes a {@link DataException} naming the file.
 */
public final class Datasets {
    /** Name of the Fashion-MNIST dataset for {@link #load}. */
    public static final String FASHION_MNIST = "fashion-mnist";
    /** Name of the CIFAR-10 dataset for {@link #load}. */
    public static final String CIFAR10 = "cifar10";

    static final int IDX3_MAGIC = 0x00000803;
    static final int IDX1_MAGIC = 0x00000801;
    static final int CIFAR_RECORD = 1 + 3 * 32 * 32;
    static final String CIFAR_SUBDIR = "cifar-10-batches-bin";

    private static final int NUM_CLASSES = 10;
    /**
     * A directory of Fashion-MNIST-format (IDX) files may declare its classes in this file, one name per line; without
     * it there are Fashion-MNIST's ten. The IDX format itself does not say how many classes its labels range over, and
     * a network built for the dataset needs one output per class.
     */
    public static final String CLASSES_FILE = "classes.txt";
    private static final float[] FASHION_MEAN = {0.2860f};
    private static final float[] FASHION_STD = {0.3530f};
    private static final float[] CIFAR_MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] CIFAR_STD = {0.2023f, 0.1994f, 0.2010f};

    private Datasets() {}

    /** The names {@link #load} understands. */
    public static List<String> names() {
        return List.of(FASHION_MNIST, CIFAR10);
    }

    /**
     * Where the dataset lives when no directory is given: Fashion-MNIST comes from the Debian
     * package {@code dataset-fashion-mnist}; CIFAR-10 is expected unpacked under {@code ./data}.
     */
    public static Path defaultDir(String name) {
        return switch (canonical(name)) {
            case FASHION_MNIST -> Path.of("/usr/share/datasets/fashion-mnist");
            case CIFAR10 -> Path.of("./data/cifar-10-batches-bin");
            default -> throw new IllegalStateException();
        };
    }

    /** {@link #load(String, Path, Split)} from {@link #defaultDir(String)}. */
    public static ImageDataset load(String name, Split split) {
        return load(name, defaultDir(name), split);
    }

    /**
     * Loads one split of a dataset into memory.
     *
     * @param name {@code fashion-mnist} or {@code cifar10} (case-insensitive)
     * @param dir directory holding the original files
     * @throws DataException when the name is unknown or the files are missing or malformed
     */
    public static ImageDataset load(String name, Path dir, Split split) {
        String canonical = canonical(name);
        if (dir == null) {
            throw new DataException("no directory given for dataset " + canonical);
        }
        if (split == null) {
            throw new DataException(dir + ": no split given");
        }
        if (!Files.exists(dir)) {
            throw DataException.at(dir, "directory does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw DataException.at(dir, "not a directory");
        }
        return switch (canonical) {
            case FASHION_MNIST -> loadFashionMnist(dir, split);
            case CIFAR10 -> loadCifar10(dir, split);
            default -> throw new IllegalStateException();
        };
    }

    private static String canonical(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (n.equals(FASHION_MNIST) || n.equals(CIFAR10)) {
            return n;
        }
        throw new DataException(
                "unknown dataset '" + name + "' (known: " + String.join(", ", names()) + ")");
    }

    // ---------------------------------------------------------------- Fashion-MNIST (idx files)

    private static ImageDataset loadFashionMnist(Path dir, Split split) {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        String imagesBase = prefix + "-images-idx3-ubyte";
        String labelsBase = prefix + "-labels-idx1-ubyte";
        Path imagesFile = findIdx(dir, imagesBase);
        if (imagesFile == null) {
            throw DataException.at(dir, "no Fashion-MNIST files (looked for " + imagesBase + "[.gz])");
        }
        Path labelsFile = findIdx(dir, labelsBase);
        if (labelsFile == null) {
            throw DataException.at(dir, "Fashion-MNIST labels missing (looked for " + labelsBase
                    + "[.gz] next to " + imagesFile.getFileName() + ")");
        }
        int classes = idxClasses(dir);
        byte[] pixels = readIdxImages(imagesFile, 28, 28);
        int[] labels = readIdxLabels(labelsFile, classes);
        int images = pixels.length / (28 * 28);
        if (images != labels.length) {
            throw DataException.at(labelsFile, "image/label count mismatch: " + labels.length
                    + " labels but " + images + " images in " + imagesFile.getFileName());
        }
        return ImageDataset.wrap(FASHION_MNIST, 1, 28, 28, classes, pixels, labels,
                FASHION_MEAN, FASHION_STD);
    }

    /** The class count {@link #CLASSES_FILE} declares (its non-blank lines), else {@value #NUM_CLASSES}. */
    static int idxClasses(Path dir) {
        Path f = dir.resolve(CLASSES_FILE);
        if (!Files.isRegularFile(f)) {
            return NUM_CLASSES;
        }
        List<String> names;
        try {
            names = Files.readAllLines(f).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw unreadable(f, e);
        }
        // labels are single bytes; one class is no classification
        if (names.size() < 2 || names.size() > 256) {
            throw DataException.at(f, "declares " + names.size() + " classes (want 2..256, one name per line)");
        }
        if (names.stream().distinct().count() != names.size()) {
            throw DataException.at(f, "names a class twice: " + names);
        }
        return names.size();
    }

    /** Prefers the raw file (no inflating) when both it and the {@code .gz} are present. */
    private static Path findIdx(Path dir, String base) {
        Path raw = dir.resolve(base);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(base + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** Reads an idx3 file of {@code rows x cols} images; returns N x rows x cols bytes. */
    static byte[] readIdxImages(Path file, int rows, int cols) {
        try (InputStream in = openMaybeGzip(file)) {
            byte[] header = new byte[16];
            int got = readUpTo(in, header, 0, 16);
            if (got < 16) {
                throw DataException.at(file, "truncated: expected a 16-byte idx3 header, found " + got
                        + " bytes");
            }
            int magic = intAt(header, 0);
            if (magic != IDX3_MAGIC) {
                throw DataException.at(file, String.format(
                        "not an idx3 image file (magic 0x%08x, expected 0x%08x)", magic, IDX3_MAGIC));
            }
            int count = intAt(header, 4);
            int r = intAt(header, 8);
            int c = intAt(header, 12);
            if (r != rows || c != cols) {
                throw DataException.at(file, "images are " + r + "x" + c + ", expected " + rows + "x"
                        + cols);
            }
            long bytes = (long) count * rows * cols;
            if (count < 0 || bytes > Integer.MAX_VALUE - 16) {
                throw DataException.at(file, "implausible image count " + count);
            }
            byte[] pixels = new byte[(int) bytes];
            got = readUpTo(in, pixels, 0, pixels.length);
            if (got < pixels.length) {
                throw DataException.at(file, "truncated: expected " + bytes + " image bytes, found "
                        + got);
            }
            requireEnd(in, file, bytes + " image bytes");
            return pixels;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** Reads an idx1 label file, checking every label is in {@code 0..numClasses-1}. */
    static int[] readIdxLabels(Path file, int numClasses) {
        try (InputStream in = openMaybeGzip(file)) {
            byte[] header = new byte[8];
            int got = readUpTo(in, header, 0, 8);
            if (got < 8) {
                throw DataException.at(file, "truncated: expected an 8-byte idx1 header, found " + got
                        + " bytes");
            }
            int magic = intAt(header, 0);
            if (magic != IDX1_MAGIC) {
                throw DataException.at(file, String.format(
                        "not an idx1 label file (magic 0x%08x, expected 0x%08x)", magic, IDX1_MAGIC));
            }
            int count = intAt(header, 4);
            if (count < 0 || count > Integer.MAX_VALUE - 16) {
                throw DataException.at(file, "implausible label count " + count);
            }
            byte[] raw = new byte[count];
            got = readUpTo(in, raw, 0, count);
            if (got < count) {
                throw DataException.at(file, "truncated: expected " + count + " label bytes, found "
                        + got);
            }
            requireEnd(in, file, count + " label bytes");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                int l = raw[i] & 0xFF;
                if (l >= numClasses) {
                    throw DataException.at(file, "label " + l + " at index " + i + " is out of range 0.."
                            + (numClasses - 1));
                }
                labels[i] = l;
            }
            return labels;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    // ---------------------------------------------------------------- CIFAR-10 (binary batches)

    private static ImageDataset loadCifar10(Path dir, Split split) {
        List<String> wanted = new ArrayList<>();
        if (split == Split.TRAIN) {
            for (int i = 1; i <= 5; i++) {
                wanted.add("data_batch_" + i + ".bin");
            }
        } else {
            wanted.add("test_batch.bin");
        }
        List<Path> files = existing(dir, wanted);
        if (files.isEmpty()) {
            Path sub = dir.resolve(CIFAR_SUBDIR);
            if (Files.isDirectory(sub)) {
                files = existing(sub, wanted);
            }
        }
        if (files.isEmpty()) {
            String looked = split == Split.TRAIN ? "data_batch_1.bin..data_batch_5.bin"
                    : "test_batch.bin";
            throw DataException.at(dir, "no CIFAR-10 files (looked for " + looked + ", also in "
                    + CIFAR_SUBDIR + "/)");
        }
        List<byte[]> contents = new ArrayList<>();
        long records = 0;
        for (Path f : files) {
            byte[] data = readCifarFile(f);
            contents.add(data);
            records += data.length / CIFAR_RECORD;
        }
        int img = CIFAR_RECORD - 1;
        if (records * img > Integer.MAX_VALUE - 16) {
            throw DataException.at(dir, "too many CIFAR-10 records (" + records + ")");
        }
        byte[] pixels = new byte[(int) (records * img)];
        int[] labels = new int[(int) records];
        int n = 0;
        for (byte[] data : contents) {
            for (int off = 0; off < data.length; off += CIFAR_RECORD) {
                labels[n] = data[off] & 0xFF;
                System.arraycopy(data, off + 1, pixels, n * img, img);
                n++;
            }
        }
        return ImageDataset.wrap(CIFAR10, 3, 32, 32, NUM_CLASSES, pixels, labels, CIFAR_MEAN,
                CIFAR_STD);
    }

    private static List<Path> existing(Path dir, List<String> names) {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Reads one CIFAR-10 batch file, checking its length and labels. */
    static byte[] readCifarFile(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        if (data.length == 0) {
            throw DataException.at(file, "empty (expected records of " + CIFAR_RECORD + " bytes)");
        }
        if (data.length % CIFAR_RECORD != 0) {
            throw DataException.at(file, "size " + data.length + " bytes is not a multiple of the "
                    + CIFAR_RECORD + "-byte record size (truncated or not a CIFAR-10 binary batch)");
        }
        for (int off = 0, i = 0; off < data.length; off += CIFAR_RECORD, i++) {
            int l = data[off] & 0xFF;
            if (l >= NUM_CLASSES) {
                throw DataException.at(file, "label " + l + " at index " + i + " is out of range 0.."
                        + (NUM_CLASSES - 1));
            }
        }
        return data;
    }

    // ---------------------------------------------------------------- stream helpers

    /**
     * Opens a file, inflating it when it starts with the gzip magic. Sniffing the content rather
     * than trusting the {@code .gz} suffix copes with files that were decompressed but not renamed
     * (some browsers do that).
     */
    private static InputStream openMaybeGzip(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new GZIPInputStream(in, 1 << 16);
            }
            return in;
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Reads up to {@code len} bytes and returns how many arrived; a gzip stream that ends early
     * throws {@link EOFException}, which is reported here as a short read so both raw and
     * compressed files give the same "truncated" message.
     */
    private static int readUpTo(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        try {
            while (total < len) {
                int r = in.read(b, off + total, len - total);
                if (r < 0) {
                    break;
                }
                total += r;
            }
        } catch (EOFException e) {
            // truncated gzip member: treat as end of data
        }
        return total;
    }

    private static void requireEnd(InputStream in, Path file, String what) throws IOException {
        int extra;
        try {
            extra = in.read();
        } catch (EOFException e) {
            extra = -1;
        }
        if (extra >= 0) {
            throw DataException.at(file, "unexpected data after the " + what + " the header declares");
        }
    }

    private static int intAt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
                | (b[off + 3] & 0xFF);
    }

    private static DataException unreadable(Path file, IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return DataException.at(file, "cannot read (" + msg.replace('\n', ' ') + ")", e);
    }
}
