package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistLoadTest {
    @TempDir Path dir;

    private static void assertHandmade(ImageDataset d) {
        assertEquals("fashion-mnist", d.name());
        assertEquals(3, d.size());
        assertEquals(1, d.channels());
        assertEquals(28, d.height());
        assertEquals(28, d.width());
        assertEquals(10, d.numClasses());
        assertEquals(3, d.label(0));
        assertEquals(0, d.label(1));
        assertEquals(9, d.label(2));
        assertArrayEquals(new int[] {3, 0, 9}, d.labels());
        // values of (i*100 + y*28 + x) % 256 worked out by hand
        assertEquals(0, d.pixel(0, 0, 0, 0));
        assertEquals(255, d.pixel(0, 0, 9, 3));
        assertEquals(100, d.pixel(1, 0, 0, 0));
        assertEquals(215, d.pixel(2, 0, 27, 27));
        assertEquals(200 + 28 + 5, d.pixel(2, 0, 1, 5));
        byte[] all = d.pixels();
        assertEquals(3 * 784, all.length);
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    assertEquals(DataFiles.fashionPixel(i, y, x), all[i * 784 + y * 28 + x] & 0xFF);
                }
            }
        }
        assertArrayEquals(new float[] {0.2860f}, d.mean());
        assertArrayEquals(new float[] {0.3530f}, d.std());
        assertArrayEquals(new int[] {1, 0, 0, 1, 0, 0, 0, 0, 0, 1}, d.classCounts());
    }

    @Test
    void parsesGzippedIdxFiles() {
        DataFiles.writeFashion(dir, "train", true);
        assertHandmade(Datasets.load("fashion-mnist", dir, Split.TRAIN));
    }

    @Test
    void parsesRawIdxFiles() {
        DataFiles.writeFashion(dir, "train", false);
        assertHandmade(Datasets.load("fashion-mnist", dir, Split.TRAIN));
    }

    @Test
    void testSplitReadsT10kFiles() {
        DataFiles.writeFashion(dir, "t10k", true);
        assertHandmade(Datasets.load("Fashion-MNIST", dir, Split.TEST));
    }

    @Test
    void gzipIsDetectedByContentNotSuffix() {
        // a raw file that kept its .gz name, and a gzip file without one
        DataFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), DataFiles.idx3(3));
        DataFiles.write(dir.resolve("train-labels-idx1-ubyte"),
                DataFiles.gzip(DataFiles.idx1(DataFiles.FASHION_LABELS)));
        assertHandmade(Datasets.load("fashion-mnist", dir, Split.TRAIN));
    }

    @Test
    void defaultDirs() {
        assertEquals(Path.of("/usr/share/datasets/fashion-mnist"),
                Datasets.defaultDir("fashion-mnist"));
        assertEquals(Path.of("./data/cifar-10-batches-bin"), Datasets.defaultDir("cifar10"));
    }
}
