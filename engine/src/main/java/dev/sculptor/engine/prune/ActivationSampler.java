package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.Batch;
import dev.sculptor.engine.data.BatchIterator;
import dev.sculptor.engine.data.ImageDataset;
import java.util.Map;
import java.util.Random;

/**
 * Samples what a conv or linear layer reads during eval-mode forward passes (through
 * {@code SculptorBlock.setInputObserver}): for each sample row, the input patch that one output
 * location of the layer is computed from, i.e. the {@code C x k x k} window (zero-padded as the conv
 * pads) of a conv, or the whole input vector of a linear layer ({@code C x inRepeat} features when
 * it reads a flattened map). Rows are planned up front from a seed, so the same rows can be read
 * from the original and from a partly pruned network. Every batch runs under an {@link NDScope}
 * and a sub-manager of the network's manager.
 */
final class ActivationSampler {
    static final int BATCH = 64;

    private ActivationSampler() {}

    /**
     * Where each row of one layer is sampled: rows {@code [n * perImage, (n + 1) * perImage)} come
     * from image {@code n}; {@code oy, ox} are output locations (null for linear layers) and
     * {@code unit} the output channel a row is about (null when rows cover every output).
     */
    record Plan(Layer layer, int perImage, int rows, int[] oy, int[] ox, int[] unit) {
        boolean conv() {
            return layer.kind() == Layer.Kind.CONV;
        }

        /** Input entries per input channel: {@code k * k} for a conv, {@code inRepeat} for linear. */
        int block() {
            return conv() ? layer.kernel() * layer.kernel() : layer.inRepeat();
        }

        /** Length of one patch: input channels x {@link #block()}. */
        int patchSize() {
            return channels() * block();
        }

        int channels() {
            return conv() ? layer.in() : layer.in() / layer.inRepeat();
        }
    }

    /** Receives a row's patch; the array is reused, so copy what you keep. */
    @FunctionalInterface
    interface RowSink {
        void accept(int row, float[] patch);
    }

    /**
     * Plans {@code perImage} rows per image for a layer, at random output locations (conv) and,
     * when {@code units}, each for one random output channel.
     */
    static Plan plan(Layer layer, int images, int perImage, boolean units, long seed) {
        if (layer.kind() != Layer.Kind.CONV && layer.kind() != Layer.Kind.LINEAR) {
            throw new ArchException("can only sample the input of conv and linear layers, not " + layer.name());
        }
        int rows = Math.multiplyExact(images, perImage);
        Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + layer.name().hashCode());
        boolean conv = layer.kind() == Layer.Kind.CONV;
        int[] oy = conv ? new int[rows] : null;
        int[] ox = conv ? new int[rows] : null;
        int[] unit = units ? new int[rows] : null;
        for (int r = 0; r < rows; r++) {
            if (conv) {
                oy[r] = rnd.nextInt(layer.outH());
                ox[r] = rnd.nextInt(layer.outW());
            }
            if (units) {
                unit[r] = rnd.nextInt(layer.out());
            }
        }
        return new Plan(layer, perImage, rows, oy, ox, unit);
    }

    /**
     * One eval-mode pass of {@code images} through {@code net}; every row of every layer with a
     * sink is handed to it, in row order per layer.
     */
    static void pass(Network net, ImageDataset images, Map<String, Plan> plans, Map<String, RowSink> sinks) {
        int[] start = {0};
        net.block().setInputObserver((name, x) -> {
            RowSink sink = sinks.get(name);
            if (sink != null) {
                extract(plans.get(name), x, start[0], sink);
            }
        });
        try {
            BatchIterator it = BatchIterator.of(images, BATCH);
            while (it.hasNext()) {
                Batch b = it.next();
                try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
                    NDArray x = m.create(b.images(), new Shape(b.count(), b.channels(), b.height(), b.width()));
                    net.forward(x, false);
                }
                start[0] += b.count();
            }
        } finally {
            net.block().setInputObserver(null);
        }
    }

    private static void extract(Plan p, NDArray x, int firstImage, RowSink sink) {
        Layer l = p.layer();
        Shape s = x.getShape();
        int nb = (int) s.get(0);
        float[] data = x.toFloatArray();
        float[] patch = new float[p.patchSize()];
        if (p.conv()) {
            int c = (int) s.get(1);
            int h = (int) s.get(2);
            int w = (int) s.get(3);
            if (c != l.in()) {
                throw new ArchException(l.name() + " reads " + c + " channels, the graph says " + l.in());
            }
            int k = l.kernel();
            int pad = k / 2;
            for (int b = 0; b < nb; b++) {
                for (int q = 0; q < p.perImage(); q++) {
                    int row = (firstImage + b) * p.perImage() + q;
                    int y0 = p.oy()[row] * l.stride() - pad;
                    int x0 = p.ox()[row] * l.stride() - pad;
                    int o = 0;
                    for (int ch = 0; ch < c; ch++) {
                        int plane = (b * c + ch) * h;
                        for (int dy = 0; dy < k; dy++) {
                            int iy = y0 + dy;
                            boolean rowIn = iy >= 0 && iy < h;
                            for (int dx = 0; dx < k; dx++) {
                                int ix = x0 + dx;
                                patch[o++] = rowIn && ix >= 0 && ix < w ? data[(plane + iy) * w + ix] : 0f;
                            }
                        }
                    }
                    sink.accept(row, patch);
                }
            }
        } else {
            int f = (int) (data.length / Math.max(nb, 1));
            if (f != l.in()) {
                throw new ArchException(l.name() + " reads " + f + " features, the graph says " + l.in());
            }
            for (int b = 0; b < nb; b++) {
                System.arraycopy(data, b * f, patch, 0, f);
                for (int q = 0; q < p.perImage(); q++) {
                    sink.accept((firstImage + b) * p.perImage() + q, patch);
                }
            }
        }
    }
}
