package dev.sculptor.engine.data;

import java.util.Arrays;
import java.util.Random;

/**
 * An immutable, in-memory labelled image set with {@code uint8} pixels in N x C x H x W order.
 *
 * <p>Pixels stay as bytes (a quarter of the memory of floats) and are normalised with
 * {@link #mean()} / {@link #std()} only when batched. Accessors hand out copies, never the
 * backing arrays, so one instance can be shared freely between threads, subsets and iterators.
 */
public final class ImageDataset {
    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;
    private final byte[] pixels;
    private final int[] labels;
    private final float[] mean;
    private final float[] std;

    private ImageDataset(String name, int channels, int height, int width, int numClasses,
            byte[] pixels, int[] labels, float[] mean, float[] std) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "bad image shape " + channels + "x" + height + "x" + width);
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        if (pixels == null || labels == null || mean == null || std == null) {
            throw new IllegalArgumentException("pixels, labels, mean and std must not be null");
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected "
                    + expected + " for " + labels.length + " images of " + channels + "x" + height + "x"
                    + width);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i
                        + " is out of range 0.." + (numClasses - 1));
            }
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " entries, got "
                    + mean.length + " and " + std.length);
        }
        for (int c = 0; c < channels; c++) {
            if (!(std[c] > 0f) || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException(
                        "channel " + c + ": mean " + mean[c] + " / std " + std[c] + " not usable");
            }
        }
        this.name = name;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
        this.pixels = pixels;
        this.labels = labels;
        this.mean = mean;
        this.std = std;
    }

    /**
     * Validating factory; copies the arrays so later changes by the caller cannot leak in.
     *
     * @param pixels uint8 pixels, {@code labels.length x channels x height x width}
     * @param mean per-channel mean in [0,1] pixel units
     * @param std per-channel standard deviation in [0,1] pixel units
     * @throws IllegalArgumentException when lengths, labels or statistics do not fit the shape
     */
    public static ImageDataset of(String name, int channels, int height, int width,
            int numClasses, byte[] pixels, int[] labels, float[] mean, float[] std) {
        return new ImageDataset(name, channels, height, width, numClasses,
                pixels == null ? null : pixels.clone(), labels == null ? null : labels.clone(),
                mean == null ? null : mean.clone(), std == null ? null : std.clone());
    }

    /** Takes ownership of freshly built arrays without copying (loaders build 150 MB of them). */
    static ImageDataset wrap(String name, int channels, int height, int width, int numClasses,
            byte[] pixels, int[] labels, float[] mean, float[] std) {
        return new ImageDataset(name, channels, height, width, numClasses, pixels, labels,
                mean.clone(), std.clone());
    }

    public String name() {
        return name;
    }

    public int size() {
        return labels.length;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Bytes per image ({@code channels * height * width}). */
    public int imageSize() {
        return channels * height * width;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Copy of all labels in example order. */
    public int[] labels() {
        return labels.clone();
    }

    /** One pixel as an unsigned value 0..255. */
    public int pixel(int i, int c, int y, int x) {
        if (c < 0 || c >= channels || y < 0 || y >= height || x < 0 || x >= width) {
            throw new IndexOutOfBoundsException(
                    "pixel (" + c + "," + y + "," + x + ") outside " + channels + "x" + height + "x" + width);
        }
        return pixels[((checkIndex(i) * channels + c) * height + y) * width + x] & 0xFF;
    }

    /** Copy of image {@code i} as uint8 bytes in C x H x W order. */
    public byte[] image(int i) {
        int n = imageSize();
        return Arrays.copyOfRange(pixels, checkIndex(i) * n, i * n + n);
    }

    /** Copy of all pixels (uint8, N x C x H x W). */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** The backing pixels, for {@link BatchIterator}'s hot loop only; must not be modified. */
    byte[] rawPixels() {
        return pixels;
    }

    /** Per-channel mean in [0,1] pixel units (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** Per-channel standard deviation in [0,1] pixel units (a copy). */
    public float[] std() {
        return std.clone();
    }

    /** Number of examples per class, indexed by label. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /**
     * A reproducible random sample of {@code n} examples, for quick runs and calibration sets.
     *
     * <p>The sample depends only on {@code (n, seed)} and the dataset, and keeps the original
     * example order. Samples with the same seed are nested: a smaller {@code n} picks a subset of
     * what a larger one picks, so growing a calibration set does not reshuffle it.
     *
     * @return {@code this} when {@code n >= size()}
     * @throws IllegalArgumentException when {@code n <= 0}
     */
    public ImageDataset subset(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("subset size must be positive, got " + n);
        }
        int size = size();
        if (n >= size) {
            return this;
        }
        // Partial Fisher-Yates: the first n slots become a uniform sample without replacement.
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(size - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, n);
        Arrays.sort(chosen);
        int img = imageSize();
        byte[] px = new byte[n * img];
        int[] lb = new int[n];
        for (int k = 0; k < n; k++) {
            System.arraycopy(pixels, chosen[k] * img, px, k * img, img);
            lb[k] = labels[chosen[k]];
        }
        return new ImageDataset(name, channels, height, width, numClasses, px, lb, mean, std);
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= labels.length) {
            throw new IndexOutOfBoundsException("index " + i + " outside 0.." + (labels.length - 1));
        }
        return i;
    }

    @Override
    public String toString() {
        return name + "[" + size() + " x " + channels + "x" + height + "x" + width + ", "
                + numClasses + " classes]";
    }
}
