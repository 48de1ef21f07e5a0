package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs only where the Debian package {@code dataset-fashion-mnist} is installed. */
class RealFashionMnistTest {

    @Test
    void loadsTheRealTestSplit() {
        Path dir = Datasets.defaultDir("fashion-mnist");
        assumeTrue(Files.isDirectory(dir), dir + " not installed");
        ImageDataset d = Datasets.load("fashion-mnist", dir, Split.TEST);
        assertEquals(10_000, d.size());
        assertEquals(1, d.channels());
        assertEquals(28, d.height());
        assertEquals(28, d.width());
        int[] expected = new int[10];
        java.util.Arrays.fill(expected, 1000);
        assertArrayEquals(expected, d.classCounts());
        // the pixel mean over the split matches the normalisation constant it ships with
        long sum = 0;
        for (byte b : d.pixels()) {
            sum += b & 0xFF;
        }
        double mean = sum / (255.0 * d.size() * 784);
        assertEquals(0.2860, mean, 0.005);
    }
}
