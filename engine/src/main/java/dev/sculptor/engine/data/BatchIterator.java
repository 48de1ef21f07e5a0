package dev.sculptor.engine.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * One epoch of normalised mini-batches over an {@link ImageDataset}.
 *
 * <p>All randomness comes from {@code (seed, epoch)}: the same pair gives the same order and the
 * same augmentations, so a run can be repeated exactly, while a new epoch gets a new order.
 * Shuffling and augmentation draw from separate generators so that switching augmentation on or
 * off does not change the example order.
 *
 * <p>Normalisation goes through a 256-entry lookup table per channel, so building a batch is a
 * table lookup per pixel with no allocation beyond the batch arrays themselves.
 */
public final class BatchIterator implements Iterator<Batch> {
    /** Zero-padding on each side before the random crop (the usual CIFAR recipe). */
    public static final int PAD = 4;

    private static final long SHUFFLE_SALT = 0x5348_5546_464C_4531L;
    private static final long AUGMENT_SALT = 0x4155_474D_454E_5431L;

    private final ImageDataset data;
    private final int batchSize;
    private final boolean augment;
    private final int[] order;
    private final float[][] lut;
    private final Random augmentRandom;
    private final int batches;
    private int next;

    private BatchIterator(ImageDataset data, int batchSize, boolean shuffle, boolean augment,
            long seed, int epoch) {
        this.data = data;
        this.batchSize = batchSize;
        this.augment = augment;
        int n = data.size();
        this.order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random rnd = new Random(mix(seed, epoch, SHUFFLE_SALT));
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        this.augmentRandom = new Random(mix(seed, epoch, AUGMENT_SALT));
        this.lut = lookupTables(data);
        this.batches = (n + batchSize - 1) / batchSize;
    }

    /**
     * Iterator over one epoch.
     *
     * @param batchSize examples per batch; the last batch holds the remainder
     * @param shuffle visit examples in a random order derived from {@code (seed, epoch)}
     * @param augment pad by {@link #PAD}, random-crop back and flip horizontally with p = 0.5
     * @throws IllegalArgumentException when {@code data} is null or {@code batchSize <= 0}
     */
    public static BatchIterator of(ImageDataset data, int batchSize, boolean shuffle,
            boolean augment, long seed, int epoch) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new BatchIterator(data, batchSize, shuffle, augment, seed, epoch);
    }

    /** In-order, unaugmented batches, as used for evaluation. */
    public static BatchIterator of(ImageDataset data, int batchSize) {
        return of(data, batchSize, false, false, 0L, 0);
    }

    /** Number of batches in the epoch, counting a final partial one. */
    public int batches() {
        return batches;
    }

    /** Examples per full batch. */
    public int batchSize() {
        return batchSize;
    }

    @Override
    public boolean hasNext() {
        return next < batches;
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch finished after " + batches + " batches");
        }
        int start = next * batchSize;
        int count = Math.min(batchSize, order.length - start);
        next++;
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int img = c * h * w;
        float[] images = new float[count * img];
        int[] labels = new int[count];
        for (int b = 0; b < count; b++) {
            int idx = order[start + b];
            labels[b] = data.label(idx);
            if (augment) {
                int oy = augmentRandom.nextInt(2 * PAD + 1);
                int ox = augmentRandom.nextInt(2 * PAD + 1);
                boolean flip = augmentRandom.nextBoolean();
                writeAugmented(idx, oy, ox, flip, images, b * img);
            } else {
                writePlain(idx, images, b * img);
            }
        }
        return new Batch(images, labels, count, c, h, w);
    }

    private void writePlain(int idx, float[] out, int off) {
        byte[] px = data.rawPixels();
        int plane = data.height() * data.width();
        int p = idx * data.imageSize();
        int o = off;
        for (int ch = 0; ch < data.channels(); ch++) {
            float[] t = lut[ch];
            for (int end = p + plane; p < end; p++) {
                out[o++] = t[px[p] & 0xFF];
            }
        }
    }

    /**
     * Writes image {@code idx} as it looks after padding by {@link #PAD} zero pixels, cropping the
     * H x W window whose top-left corner is at {@code (oy, ox)} in the padded image, and then
     * optionally mirroring it left-right. Offsets run over {@code 0..2*PAD}; {@code (PAD, PAD)}
     * without flip reproduces the original. Package-private so tests can pin the random choices.
     */
    void writeAugmented(int idx, int oy, int ox, boolean flip, float[] out, int off) {
        if (oy < 0 || oy > 2 * PAD || ox < 0 || ox > 2 * PAD) {
            throw new IllegalArgumentException("crop offset (" + oy + "," + ox + ") outside 0.."
                    + 2 * PAD);
        }
        byte[] px = data.rawPixels();
        int h = data.height();
        int w = data.width();
        int base = idx * data.imageSize();
        int o = off;
        for (int ch = 0; ch < data.channels(); ch++) {
            float[] t = lut[ch];
            float zero = t[0];
            int planeBase = base + ch * h * w;
            for (int y = 0; y < h; y++) {
                int sy = y + oy - PAD;
                if (sy < 0 || sy >= h) {
                    for (int x = 0; x < w; x++) {
                        out[o++] = zero;
                    }
                    continue;
                }
                int row = planeBase + sy * w;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + ox - PAD;
                    out[o++] = sx < 0 || sx >= w ? zero : t[px[row + sx] & 0xFF];
                }
            }
        }
    }

    /** {@code lut[c][v] = (v/255 - mean[c]) / std[c]}, computed once per iterator. */
    static float[][] lookupTables(ImageDataset data) {
        float[] mean = data.mean();
        float[] std = data.std();
        float[][] t = new float[data.channels()][256];
        for (int c = 0; c < t.length; c++) {
            for (int v = 0; v < 256; v++) {
                t[c][v] = normalise(v, mean[c], std[c]);
            }
        }
        return t;
    }

    /** The normalisation applied to every pixel: {@code (pixel/255 - mean) / std}. */
    public static float normalise(int pixel, float mean, float std) {
        return (float) ((pixel / 255.0 - mean) / std);
    }

    /** Spreads (seed, epoch, purpose) over 64 bits so nearby seeds/epochs give unrelated streams. */
    static long mix(long seed, int epoch, long salt) {
        return splitMix(splitMix(seed ^ salt) + epoch);
    }

    private static long splitMix(long z) {
        z += 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
