package dev.sculptor.engine.numerics;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks libtorch's kernels on this machine against references computed another way: every operation the
 * engine's networks use (convolution forward and its input, weight and bias gradients at pruned and unpruned
 * widths, strides and kernel sizes; BatchNorm in training and eval mode; max, average and global average
 * pooling; linear; ReLU; log-softmax), forward and backward, each against a naive double-precision loop
 * written here. Inputs come from {@link Random}, not from libtorch, so a check leaves libtorch's random state
 * alone (seeded runs stay the same whether or not a check ran). Each case runs twice on the same inputs:
 * a kernel that is only sometimes wrong (seen at 2 threads) must be caught too.
 *
 * <p>An error is the largest absolute difference divided by the root mean square of the reference, so one
 * threshold fits every op and scale: float32 rounding gives ~1e-6, the defect this exists for gives ~1.
 */
public final class SelfCheck {
    /** Largest accepted error on a CPU, relative to the reference's RMS. */
    public static final double TOLERANCE = 1e-3;
    /**
     * On a GPU: cuDNN convolutions run in TF32 by default on Ampere and later (10-bit mantissa, ~1e-3 per product),
     * which is how training there is meant to run; still two orders below the defect this check exists for.
     * Not yet exercised on a GPU machine.
     */
    public static final double GPU_TOLERANCE = 1e-2;
    private static final int REPEATS = 2;

    /** Convolutions checked: {N, C, K, H, kernel, stride}. Widths 17-47 are what pruning produces. */
    static final int[][] CONVS = {
        {2, 1, 22, 12, 5, 1}, {2, 3, 17, 10, 3, 1}, {2, 22, 5, 8, 5, 1}, {2, 22, 16, 8, 3, 1}, {2, 16, 5, 8, 3, 1},
        {2, 8, 6, 8, 3, 1}, {2, 32, 22, 8, 3, 1}, {2, 17, 40, 9, 3, 2}, {2, 40, 17, 6, 3, 1}, {2, 24, 24, 6, 3, 1},
        {2, 33, 31, 8, 1, 2}, {2, 16, 16, 8, 3, 1}, {2, 64, 64, 6, 3, 1}, {2, 13, 29, 8, 5, 1}, {2, 47, 48, 6, 3, 1},
        {2, 20, 36, 7, 3, 2}, {2, 64, 128, 4, 3, 1},
        // stride 2 from 33-48 channels (an odd number of 16-blocks once padded): wrong input gradients on Zen 5
        {2, 38, 21, 8, 3, 2}, {2, 48, 16, 9, 3, 2}, {2, 45, 64, 8, 3, 2},
    };

    private SelfCheck() {}

    /** One comparison that failed: what was compared, and its error (infinite for NaN). */
    public record Finding(String check, double error) {
        @Override
        public String toString() {
            return check + ": " + (Double.isInfinite(error) ? "NaN" : String.format(Locale.ROOT, "error %.2g", error));
        }
    }

    /** What a check found: how many comparisons, the worst error, the comparisons that failed. */
    public record Report(int comparisons, double worst, List<Finding> wrong) {
        public boolean exact() {
            return wrong.isEmpty();
        }

        public String summary() {
            if (exact()) {
                return String.format(Locale.ROOT, "exact (%d comparisons, worst error %.1g)", comparisons, worst);
            }
            StringBuilder sb = new StringBuilder("WRONG in " + wrong.size() + " of " + comparisons + " comparisons (");
            for (int i = 0; i < Math.min(3, wrong.size()); i++) {
                sb.append(i > 0 ? "; " : "").append(wrong.get(i));
            }
            return sb.append(wrong.size() > 3 ? "; ..." : "").append(')').toString();
        }
    }

    /** Checks the engine's operations in {@code cfg} (its thread count set first) on the engine's default device. */
    public static Report run(KernelConfig cfg) {
        Threads.set(cfg.threads());
        return run(Ops.of(cfg), defaultDevice());
    }

    public static Report run(Ops ops, Device device) {
        Collector c = new Collector(device.isGpu() ? GPU_TOLERANCE : TOLERANCE);
        try (NDManager m = NDManager.newBaseManager(device)) {
            Random r = new Random(20190117);
            for (int[] cv : CONVS) {
                conv(c, m, ops, r, cv[0], cv[1], cv[2], cv[3], cv[4], cv[5]);
            }
            batchNorm(c, m, ops, r, new int[] {4, 5, 6, 6}, true);
            batchNorm(c, m, ops, r, new int[] {2, 22, 4, 4}, true);
            batchNorm(c, m, ops, r, new int[] {16, 20}, true);
            batchNorm(c, m, ops, r, new int[] {2, 17, 5, 5}, false);
            pool(c, m, ops, r, "maxpool 2x2", new int[] {2, 22, 8, 8}, ops::maxPool2, SelfCheck::maxPoolRef);
            pool(c, m, ops, r, "maxpool 2x2", new int[] {2, 5, 7, 7}, ops::maxPool2, SelfCheck::maxPoolRef);
            pool(c, m, ops, r, "avgpool 2x2", new int[] {2, 17, 8, 8}, ops::avgPool2, SelfCheck::avgPoolRef);
            pool(c, m, ops, r, "global avgpool", new int[] {2, 22, 5, 5}, ops::globalAvgPool, SelfCheck::globalAvgRef);
            pool(c, m, ops, r, "relu", new int[] {2, 19, 4, 4}, ops::relu, SelfCheck::reluRef);
            pool(c, m, ops, r, "log-softmax", new int[] {8, 10}, ops::logSoftmax, SelfCheck::logSoftmaxRef);
            linear(c, m, ops, r, 8, 40, 10);
            linear(c, m, ops, r, 16, 200, 37);
        }
        return c.report();
    }

    static Device defaultDevice() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Compares one result with its reference; the errors of a report. */
    static final class Collector {
        private final double tolerance;
        private int comparisons;
        private double worst;
        private final List<Finding> wrong = new ArrayList<>();

        Collector(double tolerance) {
            this.tolerance = tolerance;
        }

        void compare(String check, float[] actual, double[] expected) {
            comparisons++;
            double e = error(actual, expected);
            worst = Math.max(worst, e);
            if (!(e <= tolerance) && wrong.stream().noneMatch(f -> f.check().equals(check))) {
                wrong.add(new Finding(check, e));
            }
        }

        Report report() {
            return new Report(comparisons, worst, List.copyOf(wrong));
        }
    }

    /** Largest absolute difference over the reference's RMS; infinite when anything is NaN or sizes differ. */
    public static double error(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double sq = 0;
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.isNaN(actual[i]) || Float.isInfinite(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            sq += expected[i] * expected[i];
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        double rms = Math.sqrt(sq / Math.max(1, expected.length));
        return max / Math.max(rms, 1e-12);
    }

    /** Standard normal floats from {@code r} (not from libtorch, whose random state stays untouched). */
    public static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    private static NDArray array(NDManager m, float[] data, int... shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = shape[i];
        }
        return m.create(data, new Shape(s));
    }

    /** Output, then the gradients of sum(output * cot) w.r.t. each input that needs one, in order. */
    private static float[][] forwardBackward(NDArray cot, Function<NDArray[], NDArray> f, NDArray... inputs) {
        for (NDArray in : inputs) {
            in.setRequiresGradient(true);
        }
        float[][] out = new float[inputs.length + 1][];
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = f.apply(inputs);
            out[0] = y.toFloatArray();
            gc.backward(y.mul(cot).sum());
        }
        for (int i = 0; i < inputs.length; i++) {
            out[i + 1] = inputs[i].getGradient().toFloatArray();
        }
        return out;
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    static void conv(Collector c, NDManager root, Ops ops, Random r, int n, int ch, int k, int h, int kernel, int stride) {
        int p = kernel / 2;
        int ho = (h + 2 * p - kernel) / stride + 1;
        float[] x = gaussian(r, n * ch * h * h);
        float[] w = gaussian(r, k * ch * kernel * kernel);
        float[] b = gaussian(r, k);
        float[] cot = gaussian(r, n * k * ho * ho);
        ConvRef ref = ConvRef.compute(x, w, b, cot, n, ch, k, h, kernel, stride);
        String name = String.format(Locale.ROOT, "conv %d->%d %dx%d/%d", ch, k, kernel, kernel, stride);
        for (int rep = 0; rep < REPEATS; rep++) {
            try (NDManager m = root.newSubManager()) {
                float[][] got = forwardBackward(array(m, cot, n, k, ho, ho),
                        in -> ops.conv2d(in[0], in[1], in[2], stride, p),
                        array(m, x, n, ch, h, h), array(m, w, k, ch, kernel, kernel), array(m, b, k));
                c.compare(name + " forward", got[0], ref.y);
                c.compare(name + " input grad", got[1], ref.dx);
                c.compare(name + " weight grad", got[2], ref.dw);
                c.compare(name + " bias grad", got[3], ref.db);
            }
        }
    }

    /** A convolution and its gradients for the cotangent {@code cot}, in double precision, by the definition. */
    public record ConvRef(double[] y, double[] dx, double[] dw, double[] db) {
        public static ConvRef compute(float[] x, float[] w, float[] b, float[] cot, int n, int ch, int k, int h,
                int kernel, int stride) {
            int p = kernel / 2;
            int ho = (h + 2 * p - kernel) / stride + 1;
            double[] y = new double[n * k * ho * ho];
            double[] dx = new double[x.length];
            double[] dw = new double[w.length];
            double[] db = new double[k];
            for (int bi = 0; bi < n; bi++) {
                for (int o = 0; o < k; o++) {
                    for (int i = 0; i < ho; i++) {
                        for (int j = 0; j < ho; j++) {
                            int yi = ((bi * k + o) * ho + i) * ho + j;
                            double s = b == null ? 0 : b[o];
                            double g = cot[yi];
                            db[o] += g;
                            for (int cc = 0; cc < ch; cc++) {
                                for (int di = 0; di < kernel; di++) {
                                    int ii = i * stride - p + di;
                                    if (ii < 0 || ii >= h) {
                                        continue;
                                    }
                                    for (int dj = 0; dj < kernel; dj++) {
                                        int jj = j * stride - p + dj;
                                        if (jj < 0 || jj >= h) {
                                            continue;
                                        }
                                        int xi = ((bi * ch + cc) * h + ii) * h + jj;
                                        int wi = ((o * ch + cc) * kernel + di) * kernel + dj;
                                        s += (double) x[xi] * w[wi];
                                        dx[xi] += g * w[wi];
                                        dw[wi] += g * x[xi];
                                    }
                                }
                            }
                            y[yi] = s;
                        }
                    }
                }
            }
            return new ConvRef(y, dx, dw, db);
        }
    }

    // ---- batch normalisation --------------------------------------------------------------------------------

    private static void batchNorm(Collector c, NDManager root, Ops ops, Random r, int[] shape, boolean training) {
        int n = shape[0];
        int ch = shape[1];
        int spatial = size(shape) / (n * ch);
        float[] x = gaussian(r, size(shape));
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.5f + 2f * x[i]; // away from zero mean and unit variance
        }
        float[] gamma = new float[ch];
        float[] beta = new float[ch];
        float[] mean = new float[ch];
        float[] var = new float[ch];
        for (int i = 0; i < ch; i++) {
            gamma[i] = 0.5f + r.nextFloat();
            beta[i] = r.nextFloat() - 0.5f;
            mean[i] = r.nextFloat() - 0.5f;
            var[i] = 0.5f + r.nextFloat();
        }
        float[] cot = gaussian(r, x.length);
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        double[] dgamma = new double[ch];
        double[] dbeta = new double[ch];
        int count = n * spatial;
        for (int cc = 0; cc < ch; cc++) {
            double mu = mean[cc];
            double v = var[cc];
            if (training) {
                double s = 0;
                for (int bi = 0; bi < n; bi++) {
                    for (int q = 0; q < spatial; q++) {
                        s += x[(bi * ch + cc) * spatial + q];
                    }
                }
                mu = s / count;
                double sv = 0;
                for (int bi = 0; bi < n; bi++) {
                    for (int q = 0; q < spatial; q++) {
                        double d = x[(bi * ch + cc) * spatial + q] - mu;
                        sv += d * d;
                    }
                }
                v = sv / count; // biased, as batch norm normalises
            }
            double inv = 1 / Math.sqrt(v + Ops.BN_EPS);
            double sumG = 0;
            double sumGx = 0;
            for (int bi = 0; bi < n; bi++) {
                for (int q = 0; q < spatial; q++) {
                    int i = (bi * ch + cc) * spatial + q;
                    double xhat = (x[i] - mu) * inv;
                    y[i] = gamma[cc] * xhat + beta[cc];
                    sumG += cot[i];
                    sumGx += cot[i] * xhat;
                }
            }
            dgamma[cc] = sumGx;
            dbeta[cc] = sumG;
            for (int bi = 0; bi < n; bi++) {
                for (int q = 0; q < spatial; q++) {
                    int i = (bi * ch + cc) * spatial + q;
                    double xhat = (x[i] - mu) * inv;
                    dx[i] = training ? gamma[cc] * inv * (cot[i] - sumG / count - xhat * sumGx / count)
                            : gamma[cc] * inv * cot[i];
                }
            }
        }
        String name = "batchnorm " + (training ? "train " : "eval ") + java.util.Arrays.toString(shape);
        for (int rep = 0; rep < REPEATS; rep++) {
            try (NDManager m = root.newSubManager()) {
                NDArray rm = array(m, mean.clone(), ch);
                NDArray rv = array(m, var.clone(), ch);
                float[][] got = forwardBackward(array(m, cot, shape), in -> ops.batchNorm(in[0], rm, rv, in[1], in[2], training),
                        array(m, x, shape), array(m, gamma, ch), array(m, beta, ch));
                c.compare(name + " forward", got[0], y);
                c.compare(name + " input grad", got[1], dx);
                c.compare(name + " gamma grad", got[2], dgamma);
                c.compare(name + " beta grad", got[3], dbeta);
            }
        }
    }

    // ---- element-wise and pooling ops: forward, and the input gradient ------------------------------------------

    /** A reference for a single-input op: fills the output and the input gradient for the cotangent. */
    @FunctionalInterface
    private interface UnaryRef {
        double[][] compute(float[] x, float[] cot, int[] shape);
    }

    private static void pool(Collector c, NDManager root, Ops ops, Random r, String name, int[] shape,
            Function<NDArray, NDArray> op, UnaryRef reference) {
        float[] x = gaussian(r, size(shape));
        int[] outShape = outShape(name, shape);
        float[] cot = gaussian(r, size(outShape));
        double[][] ref = reference.compute(x, cot, shape);
        String label = name + " " + java.util.Arrays.toString(shape);
        for (int rep = 0; rep < REPEATS; rep++) {
            try (NDManager m = root.newSubManager()) {
                float[][] got = forwardBackward(array(m, cot, outShape), in -> op.apply(in[0]), array(m, x, shape));
                c.compare(label + " forward", got[0], ref[0]);
                c.compare(label + " input grad", got[1], ref[1]);
            }
        }
    }

    private static int[] outShape(String name, int[] s) {
        if (name.startsWith("maxpool") || name.startsWith("avgpool")) {
            return new int[] {s[0], s[1], s[2] / 2, s[3] / 2};
        }
        if (name.startsWith("global")) {
            return new int[] {s[0], s[1]}; // DJL flattens the pooled (1, 1)
        }
        return s;
    }

    private static double[][] maxPoolRef(float[] x, float[] cot, int[] s) {
        int nc = s[0] * s[1];
        int h = s[2];
        int w = s[3];
        int ho = h / 2;
        int wo = w / 2;
        double[] y = new double[nc * ho * wo];
        double[] dx = new double[x.length];
        for (int p = 0; p < nc; p++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    int best = -1;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) {
                            int xi = (p * h + 2 * i + di) * w + 2 * j + dj;
                            if (best < 0 || x[xi] > x[best]) {
                                best = xi;
                            }
                        }
                    }
                    int yi = (p * ho + i) * wo + j;
                    y[yi] = x[best];
                    dx[best] += cot[yi];
                }
            }
        }
        return new double[][] {y, dx};
    }

    private static double[][] avgPoolRef(float[] x, float[] cot, int[] s) {
        int nc = s[0] * s[1];
        int h = s[2];
        int w = s[3];
        int ho = h / 2;
        int wo = w / 2;
        double[] y = new double[nc * ho * wo];
        double[] dx = new double[x.length];
        for (int p = 0; p < nc; p++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    int yi = (p * ho + i) * wo + j;
                    for (int di = 0; di < 2; di++) {
                        for (int dj = 0; dj < 2; dj++) {
                            int xi = (p * h + 2 * i + di) * w + 2 * j + dj;
                            y[yi] += x[xi] / 4.0;
                            dx[xi] += cot[yi] / 4.0;
                        }
                    }
                }
            }
        }
        return new double[][] {y, dx};
    }

    private static double[][] globalAvgRef(float[] x, float[] cot, int[] s) {
        int nc = s[0] * s[1];
        int hw = s[2] * s[3];
        double[] y = new double[nc];
        double[] dx = new double[x.length];
        for (int p = 0; p < nc; p++) {
            for (int q = 0; q < hw; q++) {
                y[p] += x[p * hw + q] / (double) hw;
                dx[p * hw + q] = cot[p] / (double) hw;
            }
        }
        return new double[][] {y, dx};
    }

    private static double[][] reluRef(float[] x, float[] cot, int[] s) {
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(0, x[i]);
            dx[i] = x[i] > 0 ? cot[i] : 0;
        }
        return new double[][] {y, dx};
    }

    private static double[][] logSoftmaxRef(float[] x, float[] cot, int[] s) {
        int rows = s[0];
        int cols = s[1];
        double[] y = new double[x.length];
        double[] dx = new double[x.length];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[i * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(x[i * cols + j] - max);
            }
            double lse = max + Math.log(sum);
            double sumCot = 0;
            for (int j = 0; j < cols; j++) {
                y[i * cols + j] = x[i * cols + j] - lse;
                sumCot += cot[i * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                dx[i * cols + j] = cot[i * cols + j] - Math.exp(y[i * cols + j]) * sumCot;
            }
        }
        return new double[][] {y, dx};
    }

    // ---- linear ---------------------------------------------------------------------------------------------

    private static void linear(Collector c, NDManager root, Ops ops, Random r, int n, int in, int out) {
        float[] x = gaussian(r, n * in);
        float[] w = gaussian(r, out * in);
        float[] b = gaussian(r, out);
        float[] cot = gaussian(r, n * out);
        double[] y = new double[n * out];
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        double[] db = new double[out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                double g = cot[i * out + o];
                db[o] += g;
                for (int f = 0; f < in; f++) {
                    s += (double) x[i * in + f] * w[o * in + f];
                    dx[i * in + f] += g * w[o * in + f];
                    dw[o * in + f] += g * x[i * in + f];
                }
                y[i * out + o] = s;
            }
        }
        String name = "linear " + in + "->" + out;
        for (int rep = 0; rep < REPEATS; rep++) {
            try (NDManager m = root.newSubManager()) {
                float[][] got = forwardBackward(array(m, cot, n, out), a -> ops.linear(a[0], a[1], a[2]),
                        array(m, x, n, in), array(m, w, out, in), array(m, b, out));
                c.compare(name + " forward", got[0], y);
                c.compare(name + " input grad", got[1], dx);
                c.compare(name + " weight grad", got[2], dw);
                c.compare(name + " bias grad", got[3], db);
            }
        }
    }
}
