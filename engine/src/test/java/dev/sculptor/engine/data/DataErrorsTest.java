package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataErrorsTest {
    @TempDir Path dir;

    private DataException fails(String name, Path d, Split split) {
        DataException e = assertThrows(DataException.class, () -> Datasets.load(name, d, split));
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        return e;
    }

    private static void assertMessage(DataException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void wrongMagicInImageFile() {
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        DataFiles.write(images, DataFiles.gzip(DataFiles.idx3(0x801, 3, 28, 28, 3)));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"),
                DataFiles.gzip(DataFiles.idx1(3, 0, 9)));
        DataException e = fails("fashion-mnist", dir, Split.TRAIN);
        assertEquals(images + ": not an idx3 image file (magic 0x00000801, expected 0x00000803)",
                e.getMessage());
    }

    @Test
    void wrongMagicInLabelFile() {
        DataFiles.write(dir.resolve("train-images-idx3-ubyte"), DataFiles.idx3(3));
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        DataFiles.write(labels, DataFiles.idx1Magic(0x803, 3, 0, 9));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), labels.toString(),
                "not an idx1 label file (magic 0x00000803, expected 0x00000801)");
    }

    @Test
    void wrongImageDimensions() {
        Path images = dir.resolve("train-images-idx3-ubyte");
        DataFiles.write(images, DataFiles.idx3(0x803, 3, 32, 28, 3));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte"), DataFiles.idx1(3, 0, 9));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), images.toString(),
                "images are 32x28, expected 28x28");
    }

    @Test
    void truncatedRawImages() {
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] full = DataFiles.idx3(3);
        DataFiles.write(images, Arrays.copyOf(full, 16 + 1000));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte"), DataFiles.idx1(3, 0, 9));
        DataException e = fails("fashion-mnist", dir, Split.TRAIN);
        assertEquals(images + ": truncated: expected 2352 image bytes, found 1000", e.getMessage());
    }

    @Test
    void truncatedGzipImages() {
        // header says 3 images, gzip content holds only 2 of them, and the gzip itself is complete
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        DataFiles.write(images, DataFiles.gzip(DataFiles.idx3(0x803, 3, 28, 28, 2)));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"),
                DataFiles.gzip(DataFiles.idx1(3, 0, 9)));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), images.toString(),
                "truncated: expected 2352 image bytes, found 1568");
    }

    @Test
    void cutOffGzipStream() {
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] gz = DataFiles.gzip(DataFiles.idx3(3));
        DataFiles.write(images, Arrays.copyOf(gz, gz.length / 2));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"),
                DataFiles.gzip(DataFiles.idx1(3, 0, 9)));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), images.toString(), "truncated");
    }

    @Test
    void truncatedLabels() {
        DataFiles.write(dir.resolve("train-images-idx3-ubyte"), DataFiles.idx3(3));
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        byte[] full = DataFiles.idx1(3, 0, 9);
        DataFiles.write(labels, Arrays.copyOf(full, full.length - 2));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), labels.toString(),
                "truncated: expected 3 label bytes, found 1");
    }

    @Test
    void trailingBytes() {
        Path images = dir.resolve("train-images-idx3-ubyte");
        DataFiles.write(images, DataFiles.concat(DataFiles.idx3(3), new byte[] {7}));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte"), DataFiles.idx1(3, 0, 9));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), images.toString(),
                "unexpected data after the 2352 image bytes");
    }

    @Test
    void imageLabelCountMismatch() {
        DataFiles.write(dir.resolve("t10k-images-idx3-ubyte.gz"), DataFiles.gzip(DataFiles.idx3(3)));
        Path labels = dir.resolve("t10k-labels-idx1-ubyte.gz");
        DataFiles.write(labels, DataFiles.gzip(DataFiles.idx1(3, 0)));
        assertMessage(fails("fashion-mnist", dir, Split.TEST), labels.toString(),
                "image/label count mismatch: 2 labels but 3 images in t10k-images-idx3-ubyte.gz");
    }

    @Test
    void labelOutOfRange() {
        DataFiles.write(dir.resolve("train-images-idx3-ubyte"), DataFiles.idx3(3));
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        DataFiles.write(labels, DataFiles.idx1(3, 0, 12));
        DataException e = fails("fashion-mnist", dir, Split.TRAIN);
        assertEquals(labels + ": label 12 at index 2 is out of range 0..9", e.getMessage());
    }

    @Test
    void missingDirectory() {
        Path missing = dir.resolve("nope");
        DataException e = fails("fashion-mnist", missing, Split.TRAIN);
        assertEquals(missing + ": directory does not exist", e.getMessage());
    }

    @Test
    void directoryIsAFile() {
        Path file = DataFiles.write(dir.resolve("plain"), new byte[] {1});
        assertMessage(fails("cifar10", file, Split.TEST), file.toString(), "not a directory");
    }

    @Test
    void noFashionFiles() {
        DataException e = fails("fashion-mnist", dir, Split.TRAIN);
        assertEquals(dir + ": no Fashion-MNIST files (looked for train-images-idx3-ubyte[.gz])",
                e.getMessage());
    }

    @Test
    void missingLabelFile() {
        DataFiles.write(dir.resolve("train-images-idx3-ubyte"), DataFiles.idx3(3));
        assertMessage(fails("fashion-mnist", dir, Split.TRAIN), dir.toString(),
                "train-labels-idx1-ubyte[.gz]");
    }

    @Test
    void unknownDatasetName() {
        DataException e = fails("mnist", dir, Split.TRAIN);
        assertEquals("unknown dataset 'mnist' (known: fashion-mnist, cifar10)", e.getMessage());
        assertThrows(DataException.class, () -> Datasets.defaultDir("imagenet"));
    }

    @Test
    void cifarSizeNotMultipleOfRecord() {
        Path f = DataFiles.write(dir.resolve("test_batch.bin"), new byte[3073 + 100]);
        DataException e = fails("cifar10", dir, Split.TEST);
        assertMessage(e, f.toString(), "size 3173 bytes is not a multiple of the 3073-byte record");
    }

    @Test
    void cifarEmptyFile() {
        Path f = DataFiles.write(dir.resolve("data_batch_1.bin"), new byte[0]);
        assertMessage(fails("cifar10", dir, Split.TRAIN), f.toString(), "empty");
    }

    @Test
    void cifarBadLabel() {
        Path f = DataFiles.write(dir.resolve("test_batch.bin"), DataFiles.concat(
                DataFiles.cifarRecord(1, 0, 0, 0), DataFiles.cifarRecord(10, 0, 0, 0)));
        DataException e = fails("cifar10", dir, Split.TEST);
        assertEquals(f + ": label 10 at index 1 is out of range 0..9", e.getMessage());
    }

    @Test
    void cifarNoFiles() {
        DataFiles.write(dir.resolve("test_batch.bin"), DataFiles.cifarRecord(1, 0, 0, 0));
        assertMessage(fails("cifar10", dir, Split.TRAIN), dir.toString(),
                "no CIFAR-10 files (looked for data_batch_1.bin..data_batch_5.bin");
        Path empty = dir.resolve("empty");
        DataFiles.write(empty.resolve("x"), new byte[0]);
        assertMessage(fails("cifar10", empty, Split.TEST), empty.toString(),
                "no CIFAR-10 files (looked for test_batch.bin");
    }
}
