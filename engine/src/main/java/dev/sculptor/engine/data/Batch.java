package dev.sculptor.engine.data;

/**
 * A mini-batch ready to be copied into a tensor: normalised pixels in
 * {@code count x channels x height x width} (NCHW) order and one label per image.
 *
 * <p>The arrays are owned by the batch and not copied, so a consumer may hand them straight to
 * the engine; {@link BatchIterator} allocates fresh arrays for every batch.
 */
public record Batch(float[] images, int[] labels, int count, int channels, int height, int width) {

    public Batch {
        if (count < 0 || channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "bad batch shape " + count + "x" + channels + "x" + height + "x" + width);
        }
        if (images == null || labels == null) {
            throw new IllegalArgumentException("images and labels must not be null");
        }
        if ((long) count * channels * height * width != images.length) {
            throw new IllegalArgumentException(
                    "images has " + images.length + " floats, expected " + count + "x" + channels + "x"
                            + height + "x" + width);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException(
                    "labels has " + labels.length + " entries, expected " + count);
        }
    }

    /** Floats per image ({@code channels * height * width}). */
    public int imageSize() {
        return channels * height * width;
    }

    /** Tensor shape {@code [count, channels, height, width]}. */
    public long[] shape() {
        return new long[] {count, channels, height, width};
    }
}
