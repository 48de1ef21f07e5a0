package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchIteratorTest {
    @TempDir Path dir;

    /** Order in which an epoch visits the examples of {@link ImageDatasetTest#indexed}. */
    private static int[] visitOrder(BatchIterator it) {
        List<Integer> seen = new ArrayList<>();
        while (it.hasNext()) {
            Batch b = it.next();
            for (int k = 0; k < b.count(); k++) {
                // normalised (v/255 - 0.5)/0.5 -> v = round((f*0.5 + 0.5) * 255)
                int hi = Math.round((b.images()[2 * k] * 0.5f + 0.5f) * 255f);
                int lo = Math.round((b.images()[2 * k + 1] * 0.5f + 0.5f) * 255f);
                int idx = (hi << 8) | lo;
                assertEquals(idx % 10, b.labels()[k], "label belongs to its image");
                seen.add(idx);
            }
        }
        return seen.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void batchCountsAndLastPartialBatch() {
        ImageDataset d = ImageDatasetTest.indexed(10);
        BatchIterator it = BatchIterator.of(d, 4, false, false, 1, 0);
        assertEquals(3, it.batches());
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            Batch b = it.next();
            sizes[i] = b.count();
            assertEquals(b.count() * 2, b.images().length);
            assertEquals(b.count(), b.labels().length);
            assertEquals(1, b.channels());
            assertEquals(1, b.height());
            assertEquals(2, b.width());
        }
        assertArrayEquals(new int[] {4, 4, 2}, sizes);
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(1, BatchIterator.of(d, 10, true, false, 1, 0).batches());
        assertEquals(1, BatchIterator.of(d, 64, true, false, 1, 0).batches());
        assertThrows(IllegalArgumentException.class, () -> BatchIterator.of(d, 0, true, false, 1, 0));
    }

    @Test
    void unshuffledKeepsDatasetOrder() {
        int[] order = visitOrder(BatchIterator.of(ImageDatasetTest.indexed(23), 5, false, false, 9, 3));
        int[] expected = new int[23];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, order);
    }

    @Test
    void shuffleIsReproducibleAndChangesWithEpochAndSeed() {
        ImageDataset d = ImageDatasetTest.indexed(300);
        int[] a = visitOrder(BatchIterator.of(d, 32, true, false, 11, 0));
        int[] b = visitOrder(BatchIterator.of(d, 32, true, false, 11, 0));
        int[] nextEpoch = visitOrder(BatchIterator.of(d, 32, true, false, 11, 1));
        int[] otherSeed = visitOrder(BatchIterator.of(d, 32, true, false, 12, 0));
        int[] otherBatch = visitOrder(BatchIterator.of(d, 7, true, false, 11, 0));
        assertArrayEquals(a, b);
        assertArrayEquals(a, otherBatch, "order does not depend on the batch size");
        assertFalse(Arrays.equals(a, nextEpoch));
        assertFalse(Arrays.equals(a, otherSeed));
        int[] identity = new int[300];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, a), "actually shuffled");
    }

    @Test
    void everyExampleVisitedOncePerEpoch() {
        ImageDataset d = ImageDatasetTest.indexed(257);
        for (int epoch = 0; epoch < 4; epoch++) {
            int[] order = visitOrder(BatchIterator.of(d, 16, true, false, 5, epoch));
            assertEquals(257, order.length);
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < 257; i++) {
                assertEquals(i, sorted[i]);
            }
        }
    }

    @Test
    void augmentationDoesNotChangeTheOrder() {
        ImageDataset d = DataFiles.synthetic(100, 3, 8, 8, 10);
        List<Integer> plain = new ArrayList<>();
        List<Integer> aug = new ArrayList<>();
        BatchIterator.of(d, 16, true, false, 3, 2).forEachRemaining(b -> {
            for (int l : b.labels()) {
                plain.add(l);
            }
        });
        BatchIterator.of(d, 16, true, true, 3, 2).forEachRemaining(b -> {
            for (int l : b.labels()) {
                aug.add(l);
            }
        });
        assertEquals(plain, aug);
    }

    @Test
    void normalisesKnownFashionPixels() {
        DataFiles.writeFashion(dir, "t10k", false);
        ImageDataset d = Datasets.load("fashion-mnist", dir, Split.TEST);
        Batch b = BatchIterator.of(d, 2).next();
        assertEquals(2, b.count());
        assertArrayEquals(new long[] {2, 1, 28, 28}, b.shape());
        // image 0: pixel (9,3) = 255, pixel (0,0) = 0; image 1: pixel (0,0) = 100
        assertEquals(2.0226629f, b.images()[9 * 28 + 3], 1e-5f);
        assertEquals(-0.8101983f, b.images()[0], 1e-5f);
        assertEquals((100 / 255.0 - 0.2860) / 0.3530, b.images()[784], 1e-5);
        assertArrayEquals(new int[] {3, 0}, b.labels());
    }

    // ------------------------------------------------------------------ augmentation

    /** 1x4x4 image with pixels 1..16 row-major, normalised so that the float equals the byte. */
    private static ImageDataset counting4x4() {
        byte[] px = new byte[16];
        for (int i = 0; i < 16; i++) {
            px[i] = (byte) (i + 1);
        }
        return ImageDataset.of("c", 1, 4, 4, 1, px, new int[] {0}, new float[] {0f},
                new float[] {1f / 255f});
    }

    private static float[] augmented(ImageDataset d, int oy, int ox, boolean flip) {
        float[] out = new float[d.imageSize()];
        BatchIterator.of(d, 1).writeAugmented(0, oy, ox, flip, out, 0);
        return out;
    }

    private static void assertImage(float[] expected, float[] actual) {
        assertArrayEquals(expected, actual, 1e-3f, () -> Arrays.toString(actual));
    }

    @Test
    void centreCropWithoutFlipIsTheOriginal() {
        assertImage(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                augmented(counting4x4(), BatchIterator.PAD, BatchIterator.PAD, false));
    }

    @Test
    void forcedFlipMirrorsTheImage() {
        assertImage(new float[] {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13},
                augmented(counting4x4(), BatchIterator.PAD, BatchIterator.PAD, true));
    }

    @Test
    void cropIsAShiftedWindowOfTheZeroPaddedImage() {
        ImageDataset d = counting4x4();
        // window of the 12x12 padded image starting at row 2, column 3
        assertImage(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7},
                augmented(d, 2, 3, false));
        assertImage(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 3, 2, 1, 0, 7, 6, 5, 0},
                augmented(d, 2, 3, true));
        // starting at row 5, column 6
        assertImage(new float[] {7, 8, 0, 0, 11, 12, 0, 0, 15, 16, 0, 0, 0, 0, 0, 0},
                augmented(d, 5, 6, false));
        assertImage(new float[16], augmented(d, 8, 8, false));
        assertThrows(IllegalArgumentException.class, () -> augmented(d, 9, 0, false));
    }

    @Test
    void paddingIsTheNormalisedZeroPixel() {
        ImageDataset d = DataFiles.synthetic(1, 2, 6, 6, 1); // mean 0.5, std 0.25 -> zero is -2
        float[] out = augmented(d, 0, 0, false);
        assertEquals(2 * 36, out.length);
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    float v = out[(c * 6 + y) * 6 + x];
                    if (y < 4 || x < 4) {
                        assertEquals(-2f, v, 1e-6f);
                    } else {
                        // (y, x) shows source pixel (y-4, x-4)
                        int src = (c * 50 + (y - 4) * 6 + (x - 4)) % 256;
                        assertEquals((src / 255f - 0.5f) / 0.25f, v, 1e-5f);
                    }
                }
            }
        }
    }

    /** Independent reference: pad with zero pixels, crop at (oy, ox), maybe mirror, normalise. */
    private static float[] reference(ImageDataset d, int i, int oy, int ox, boolean flip) {
        int c = d.channels();
        int h = d.height();
        int w = d.width();
        int p = BatchIterator.PAD;
        int[][][] padded = new int[c][h + 2 * p][w + 2 * p];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    padded[ch][y + p][x + p] = d.pixel(i, ch, y, x);
                }
            }
        }
        float[] out = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = padded[ch][y + oy][(flip ? w - 1 - x : x) + ox];
                    out[(ch * h + y) * w + x] = BatchIterator.normalise(v, d.mean()[ch], d.std()[ch]);
                }
            }
        }
        return out;
    }

    @Test
    void augmentedBatchesAreCropsAndFlipsOfTheirImages() {
        ImageDataset d = DataFiles.synthetic(60, 3, 8, 8, 10);
        int img = d.imageSize();
        Set<String> seenChoices = new HashSet<>();
        int flips = 0;
        int total = 0;
        BatchIterator it = BatchIterator.of(d, 16, false, true, 21, 0);
        int index = 0;
        while (it.hasNext()) {
            Batch b = it.next();
            assertArrayEquals(new long[] {b.count(), 3, 8, 8}, b.shape());
            for (int k = 0; k < b.count(); k++, index++) {
                float[] got = Arrays.copyOfRange(b.images(), k * img, (k + 1) * img);
                String match = null;
                for (int oy = 0; oy <= 8 && match == null; oy++) {
                    for (int ox = 0; ox <= 8 && match == null; ox++) {
                        for (boolean flip : new boolean[] {false, true}) {
                            if (Arrays.equals(got, reference(d, index, oy, ox, flip))) {
                                match = oy + "," + ox + "," + flip;
                                break;
                            }
                        }
                    }
                }
                assertTrue(match != null, "image " + index + " is not a padded crop (or its mirror)");
                seenChoices.add(match);
                flips += match.endsWith("true") ? 1 : 0;
                total++;
            }
        }
        assertEquals(60, total);
        assertTrue(flips > 10 && flips < 50, "about half flipped, got " + flips);
        assertTrue(seenChoices.size() > 20, "offsets vary, got " + seenChoices);
        // same seed and epoch: identical augmentations; next epoch: different ones
        Batch again = BatchIterator.of(d, 60, false, true, 21, 0).next();
        Batch first = BatchIterator.of(d, 60, false, true, 21, 0).next();
        Batch other = BatchIterator.of(d, 60, false, true, 21, 1).next();
        assertArrayEquals(first.images(), again.images());
        assertFalse(Arrays.equals(first.images(), other.images()));
    }

    @Test
    void sixtyThousandImagesIterateQuickly() {
        int n = 60_000;
        byte[] px = new byte[n * 784];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 31);
        }
        int[] labels = new int[n];
        Arrays.setAll(labels, i -> i % 10);
        ImageDataset d = ImageDataset.of("big", 1, 28, 28, 10, px, labels, new float[] {0.286f},
                new float[] {0.353f});
        long t0 = System.nanoTime();
        int seen = 0;
        for (BatchIterator it = BatchIterator.of(d, 128, true, false, 1, 0); it.hasNext(); ) {
            seen += it.next().count();
        }
        long plainMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        for (BatchIterator it = BatchIterator.of(d, 128, true, true, 1, 0); it.hasNext(); ) {
            it.next();
        }
        long augMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("60000 x 1x28x28: plain epoch " + plainMs + " ms, augmented " + augMs
                + " ms");
        assertEquals(n, seen);
        assertTrue(plainMs < 3000, "plain epoch took " + plainMs + " ms");
    }
}
