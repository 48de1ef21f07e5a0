package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {

    /** n images of 1x1x2 whose two bytes encode the example index; label = index % 10. */
    static ImageDataset indexed(int n) {
        byte[] px = new byte[n * 2];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            px[2 * i] = (byte) (i >> 8);
            px[2 * i + 1] = (byte) i;
            labels[i] = i % 10;
        }
        return ImageDataset.of("indexed", 1, 1, 2, 10, px, labels, new float[] {0.5f},
                new float[] {0.5f});
    }

    static int indexOf(ImageDataset d, int i) {
        return (d.pixel(i, 0, 0, 0) << 8) | d.pixel(i, 0, 0, 1);
    }

    static int[] indices(ImageDataset d) {
        int[] out = new int[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = indexOf(d, i);
        }
        return out;
    }

    @Test
    void subsetIsDeterministicSizedAndOrdered() {
        ImageDataset d = indexed(1000);
        ImageDataset a = d.subset(100, 42);
        ImageDataset b = d.subset(100, 42);
        assertEquals(100, a.size());
        assertArrayEquals(indices(a), indices(b));
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(a.labels(), b.labels());
        int[] ia = indices(a);
        assertEquals(100, Arrays.stream(ia).distinct().count());
        int[] sorted = ia.clone();
        Arrays.sort(sorted);
        assertArrayEquals(sorted, ia, "subset keeps the original order");
        for (int k = 0; k < a.size(); k++) {
            assertEquals(ia[k] % 10, a.label(k), "labels travel with their images");
        }
        assertFalse(Arrays.equals(ia, indices(d.subset(100, 43))), "another seed, another sample");
        assertEquals("indexed", a.name());
        assertEquals(d.numClasses(), a.numClasses());
        assertArrayEquals(d.mean(), a.mean());
        assertArrayEquals(d.std(), a.std());
    }

    @Test
    void smallerSubsetsWithTheSameSeedAreNested() {
        ImageDataset d = indexed(500);
        int[] small = indices(d.subset(50, 7));
        int[] large = indices(d.subset(200, 7));
        for (int i : small) {
            assertTrue(Arrays.binarySearch(large, i) >= 0, i + " missing from the larger subset");
        }
    }

    @Test
    void subsetEdgeCases() {
        ImageDataset d = indexed(10);
        assertSame(d, d.subset(10, 1));
        assertSame(d, d.subset(11, 1));
        assertEquals(1, d.subset(1, 1).size());
        assertEquals(9, d.subset(9, 1).size());
        assertThrows(IllegalArgumentException.class, () -> d.subset(0, 1));
        assertThrows(IllegalArgumentException.class, () -> d.subset(-3, 1));
    }

    @Test
    void classCounts() {
        assertArrayEquals(new int[] {3, 3, 2, 2, 2, 2, 2, 2, 2, 2}, indexed(22).classCounts());
    }

    @Test
    void factoryValidatesAndCopies() {
        byte[] px = {1, 2, 3, 4};
        int[] labels = {0, 1};
        float[] mean = {0.5f};
        float[] std = {0.25f};
        ImageDataset d = ImageDataset.of("t", 1, 1, 2, 2, px, labels, mean, std);
        px[0] = 99;
        labels[0] = 1;
        mean[0] = 0f;
        d.mean()[0] = 7f;
        d.pixels()[1] = 7;
        assertEquals(1, d.pixel(0, 0, 0, 0));
        assertEquals(2, d.pixel(0, 0, 0, 1));
        assertEquals(0, d.label(0));
        assertEquals(0.5f, d.mean()[0]);
        assertEquals(2, d.imageSize());

        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("t", 1, 1, 2, 2, new byte[3], new int[2], mean, std));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("t", 1, 1, 2, 2, new byte[4], new int[] {0, 2}, mean, std));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("t", 1, 1, 2, 2, new byte[4], new int[2], new float[2], std));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("t", 1, 1, 2, 2, new byte[4], new int[2], mean, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of("t", 0, 1, 2, 2, new byte[0], new int[2], mean, std));
        assertThrows(IndexOutOfBoundsException.class, () -> d.pixel(2, 0, 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.pixel(0, 0, 0, 2));
    }
}
