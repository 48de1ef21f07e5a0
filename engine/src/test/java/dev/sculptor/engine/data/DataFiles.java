package dev.sculptor.engine.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes tiny handmade dataset files for the tests. */
final class DataFiles {
    private DataFiles() {}

    /** Pixel value of handmade Fashion-MNIST image {@code i} at (y, x). */
    static int fashionPixel(int i, int y, int x) {
        return (i * 100 + y * 28 + x) % 256;
    }

    static byte[] idx3(int magic, int count, int rows, int cols, int imagesWritten) {
        ByteBuffer b = ByteBuffer.allocate(16 + imagesWritten * rows * cols);
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < imagesWritten; i++) {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    b.put((byte) fashionPixel(i, y, x));
                }
            }
        }
        return b.array();
    }

    static byte[] idx3(int count) {
        return idx3(0x803, count, 28, 28, count);
    }

    static byte[] idx1Magic(int magic, int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    static byte[] idx1(int... labels) {
        return idx1Magic(0x801, labels);
    }

    static byte[] gzip(byte[] raw) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
                gz.write(raw);
            }
            return bo.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The handmade 3-image Fashion-MNIST set with labels 3, 0, 9. */
    static final int[] FASHION_LABELS = {3, 0, 9};

    static void writeFashion(Path dir, String prefix, boolean gz) {
        byte[] images = idx3(3);
        byte[] labels = idx1(FASHION_LABELS);
        String suffix = gz ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(labels) : labels);
    }

    /**
     * A CIFAR-10 record: red plane all {@code r}, green all {@code g}, blue all {@code b}, except
     * pixel (0, 0) of each plane which is {@code 1}, {@code 2}, {@code 3}.
     */
    static byte[] cifarRecord(int label, int r, int g, int b) {
        byte[] rec = new byte[3073];
        rec[0] = (byte) label;
        java.util.Arrays.fill(rec, 1, 1025, (byte) r);
        java.util.Arrays.fill(rec, 1025, 2049, (byte) g);
        java.util.Arrays.fill(rec, 2049, 3073, (byte) b);
        rec[1] = 1;
        rec[1025] = 2;
        rec[2049] = 3;
        return rec;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            bo.writeBytes(p);
        }
        return bo.toByteArray();
    }

    /**
     * A small synthetic data set: image {@code i} has every pixel of channel {@code c} at (y, x)
     * equal to {@code (i * 7 + c * 50 + y * w + x) % 256}, label {@code i % classes}.
     */
    static ImageDataset synthetic(int n, int c, int h, int w, int classes) {
        byte[] px = new byte[n * c * h * w];
        int[] labels = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        px[k++] = (byte) ((i * 7 + ch * 50 + y * w + x) % 256);
                    }
                }
            }
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = 0.5f;
            std[ch] = 0.25f;
        }
        return ImageDataset.of("synthetic", c, h, w, classes, px, labels, mean, std);
    }
}
