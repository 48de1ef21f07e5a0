package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.train.TrainingHook;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Network Slimming (Liu, Li, Shen, Huang, Yan, Zhang, "Learning Efficient Convolutional Networks
 * through Network Slimming", ICCV 2017): train with an L1 penalty on the BatchNorm scales that gate
 * prunable channels, then remove every channel whose |scale| is below one global percentile
 * threshold, never emptying a layer, and shrink the network physically.
 *
 * <p>Defaults follow the reference implementation (the {@code cifar/network-slimming} part of
 * {@code Eric-mingjie/rethinking-network-pruning}): lambda 1e-4 for VGG and ResNet, 1e-5 for PreResNet-164 and
 * DenseNet-40 ({@link #defaultLambda}); its VGG-19 has no hidden linear layer ({@code vgg19-slim}). When a plan is
 * made, the sparsity training has ended: the plan records {@link #scaleHistogram} of the scales it judged, and the
 * method reports it to the listener given with {@link #reportingTo}.
 */
public final class NetworkSlimming implements PruningMethod {
    /** Lambda of the reference for VGG (and the plain CIFAR ResNets): {@code main.py -sr --s 0.0001}. */
    public static final double LAMBDA_VGG_RESNET = 1e-4;
    /** Lambda of the reference for PreResNet-164 and DenseNet-40: {@code main.py -sr --s 0.00001}. */
    public static final double LAMBDA_PRERESNET_DENSENET = 1e-5;
    /**
     * A BN scale below this counts as "near zero" in {@link #scaleHistogram(Network)}: 1% of a scale of 1 (2% of the
     * 0.5 that VGG and PreResNet start from), so such a channel passes at most a hundredth of its normalised signal.
     */
    public static final double NEAR_ZERO = 1e-2;
    /** Equal-width bins of {@link #scaleHistogram(Network)}. */
    public static final int HISTOGRAM_BINS = 20;

    private final double percent;
    private final double lambda;
    private final Consumer<String> report;

    /**
     * @param percent fraction of all prunable channels to remove, in [0, 1)
     * @param lambda sparsity strength on |gamma| (the reference: 1e-4 for VGG and ResNet, 1e-5 for PreResNet-164 and
     *     DenseNet; {@link #defaultLambda})
     */
    public NetworkSlimming(double percent, double lambda) {
        this(percent, lambda, null);
    }

    private NetworkSlimming(double percent, double lambda, Consumer<String> report) {
        if (!(percent >= 0 && percent < 1)) {
            throw new ArchException("slimming percent must be in [0, 1), got " + percent);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new ArchException("slimming lambda must be >= 0, got " + lambda);
        }
        this.percent = percent;
        this.lambda = lambda;
        this.report = report;
    }

    /**
     * Slimming for a network of {@code arch}: {@code lambda}, or when null the reference's lambda for the family
     * ({@link #defaultLambda}). The chosen value is what {@link #settings()} records.
     */
    public static NetworkSlimming forArch(double percent, Double lambda, ArchSpec arch) {
        return new NetworkSlimming(percent, lambda != null ? lambda : defaultLambda(arch.family()));
    }

    /**
     * The reference's sparsity strength for an architecture family: 1e-5 for pre-activation ResNets (its
     * {@code resnet} is PreResNet-164) and DenseNets, 1e-4 for VGG, the plain CIFAR ResNets and LeNet.
     *
     * @throws ArchException naming the family when it is not known
     */
    public static double defaultLambda(String family) {
        if (family == null) {
            throw new ArchException("slimming: no architecture family to choose lambda for");
        }
        return switch (family.toLowerCase(Locale.ROOT)) {
            case "preresnet", "densenet" -> LAMBDA_PRERESNET_DENSENET;
            case "vgg", "resnet", "lenet" -> LAMBDA_VGG_RESNET;
            default -> throw new ArchException("slimming: no default lambda for architecture family '" + family
                    + "' (known: vgg, resnet, lenet 1e-4; preresnet, densenet 1e-5); give one");
        };
    }

    /** The same method, also sending the scale histogram of every plan to {@code report} (e.g. the command's log). */
    public NetworkSlimming reportingTo(Consumer<String> report) {
        return new NetworkSlimming(percent, lambda, report);
    }

    public double lambda() {
        return lambda;
    }

    public double percent() {
        return percent;
    }

    @Override
    public MethodDef def() {
        return MethodDef.NETWORK_SLIMMING;
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("percent", percent);
        o.addProperty("lambda", lambda);
        return o;
    }

    /** Only lambda shapes the sparsity training; the percent decides the cut afterwards. */
    @Override
    public JsonObject baselineSettings() {
        JsonObject o = new JsonObject();
        o.addProperty("lambda", lambda);
        return o;
    }

    @Override
    public List<TrainingHook> baselineHooks() {
        return lambda == 0 ? List.of() : List.of(sparsityHook(lambda));
    }

    /** Adds {@code lambda * sign(gamma)} to the gradient of every gating BN scale (the L1 subgradient). */
    public static TrainingHook sparsityHook(double lambda) {
        return new TrainingHook() {
            @Override
            public void afterBackward(Network net) {
                for (String bn : gatingBatchNorms(net)) {
                    NDArray gamma = net.array(bn + ".gamma");
                    NDArray grad = gamma.getGradient();
                    grad.addi(gamma.sign().muli(lambda));
                }
            }
        };
    }

    static Set<String> gatingBatchNorms(Network net) {
        Set<String> out = new LinkedHashSet<>();
        for (ChannelSpace s : net.graph().prunableSpaces()) {
            if (s.bn() != null) {
                out.add(s.bn());
            }
        }
        return out;
    }

    /**
     * Plans on a sparsity-trained network. The settings recorded (plan, pruned checkpoint's lineage) hold the lambda
     * and, under {@code scaleHistogram}, the distribution of the scales judged ({@link ScaleHistogram#toJson()}).
     */
    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = Importances.bnScale().scores(trained);
        Map<String, int[]> keep = Policies.globalThreshold(scores, percent);
        ScaleHistogram hist = ScaleHistogram.of(scores, HISTOGRAM_BINS, NEAR_ZERO);
        if (report != null) {
            report.accept("BN scales of " + trained.spec().name() + " after sparsity training (lambda " + lambda + "):\n"
                    + hist.toText() + cutNote(scores, keep));
        }
        JsonObject settings = settings();
        settings.add("scaleHistogram", hist.toJson());
        return new PrunePlan(def().id(), trained.spec().name(), trained.spec().name() + "-slim" + Math.round(percent * 100),
                settings, scores, keep, Map.of(), List.of(), null, (System.nanoTime() - t0) / 1e9);
    }

    /** What the cut removes: its largest scale, and a warning when that is not near zero (the scales are not sparse). */
    private String cutNote(Map<String, float[]> scores, Map<String, int[]> keep) {
        int removed = 0;
        int notNearZero = 0;
        double largest = 0;
        for (Map.Entry<String, float[]> e : scores.entrySet()) {
            int[] k = keep.get(e.getKey());
            if (k == null) {
                continue;
            }
            boolean[] kept = new boolean[e.getValue().length];
            for (int i : k) {
                kept[i] = true;
            }
            for (int i = 0; i < kept.length; i++) {
                if (!kept[i]) {
                    double v = Math.abs(e.getValue()[i]);
                    removed++;
                    largest = Math.max(largest, v);
                    if (v >= NEAR_ZERO) {
                        notNearZero++;
                    }
                }
            }
        }
        String line = String.format(Locale.ROOT, "%n  the %.0f%% cut removes %d channels, |gamma| up to %.4f", percent * 100, removed,
                largest);
        return notNearZero == 0 ? line : line + String.format(Locale.ROOT, "; warning: %d of them are not near zero "
                + "(>= %s): the scales were not made sparse (train longer or with a larger lambda)", notNearZero, NEAR_ZERO);
    }

    /**
     * The distribution of |gamma| over the scales of every prunable BatchNorm of {@code net} (the scores slimming
     * ranks: one per prunable channel), in {@link #HISTOGRAM_BINS} equal bins from 0 to the largest, with the fraction
     * below {@link #NEAR_ZERO}. After sparsity training most of the mass should sit in the first bin; a histogram
     * without that is a slimming run whose scales were not made sparse.
     *
     * @throws ArchException when the network has no prunable channel gated by a BatchNorm
     */
    public static ScaleHistogram scaleHistogram(Network net) {
        return scaleHistogram(net, HISTOGRAM_BINS, NEAR_ZERO);
    }

    /** {@link #scaleHistogram(Network)} with other bins and another near-zero threshold. */
    public static ScaleHistogram scaleHistogram(Network net, int bins, double threshold) {
        return ScaleHistogram.of(Importances.bnScale().scores(net), bins, threshold);
    }

    /**
     * A histogram of BN scale magnitudes.
     *
     * @param edges {@code bins + 1} increasing bin edges, from 0 to {@code max} (to 1 when every scale is 0); bin
     *     {@code i} holds {@code edges[i] <= |gamma| < edges[i+1]}, the last bin also its upper edge
     * @param counts channels per bin, summing to {@code channels}
     * @param channels the scales counted (all prunable channels gated by a BatchNorm)
     * @param threshold the near-zero threshold
     * @param below channels with {@code |gamma| < threshold}
     * @param max the largest |gamma|
     */
    public record ScaleHistogram(List<Double> edges, List<Integer> counts, int channels, double threshold, int below,
            double max) {
        public ScaleHistogram {
            edges = List.copyOf(edges);
            counts = List.copyOf(counts);
        }

        static ScaleHistogram of(Map<String, float[]> scores, int bins, double threshold) {
            if (bins < 1) {
                throw new ArchException("scale histogram: bins must be >= 1, got " + bins);
            }
            if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                throw new ArchException("scale histogram: threshold must be >= 0, got " + threshold);
            }
            int n = 0;
            double max = 0;
            for (float[] a : scores.values()) {
                for (float f : a) {
                    max = Math.max(max, Math.abs(f));
                    n++;
                }
            }
            if (n == 0) {
                throw new ArchException("scale histogram: the network has no prunable channel gated by a BatchNorm");
            }
            double top = max > 0 ? max : 1;
            List<Double> edges = new ArrayList<>();
            for (int i = 0; i <= bins; i++) {
                edges.add(i == bins ? top : top * i / bins);
            }
            int[] counts = new int[bins];
            int below = 0;
            for (float[] a : scores.values()) {
                for (float f : a) {
                    double v = Math.abs(f);
                    // the bin by comparing with the edges themselves, so that a value on an edge goes where the edges say
                    int b = Math.min(bins - 1, (int) (v / top * bins));
                    while (b > 0 && v < edges.get(b)) {
                        b--;
                    }
                    while (b < bins - 1 && v >= edges.get(b + 1)) {
                        b++;
                    }
                    counts[b]++;
                    if (v < threshold) {
                        below++;
                    }
                }
            }
            List<Integer> c = new ArrayList<>();
            for (int k : counts) {
                c.add(k);
            }
            return new ScaleHistogram(edges, c, n, threshold, below, max);
        }

        /** The fraction of channels whose |gamma| is below the threshold. */
        public double fractionBelow() {
            return (double) below / channels;
        }

        /**
         * {@code {"edges": [..], "counts": [..], "channels": n, "threshold": t, "below": k, "fractionBelow": f,
         * "max": m}}.
         */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            JsonArray e = new JsonArray();
            edges.forEach(e::add);
            JsonArray c = new JsonArray();
            counts.forEach(c::add);
            o.add("edges", e);
            o.add("counts", c);
            o.addProperty("channels", channels);
            o.addProperty("threshold", threshold);
            o.addProperty("below", below);
            o.addProperty("fractionBelow", fractionBelow());
            o.addProperty("max", max);
            return o;
        }

        /** One line per bin ({@code [lo, hi)  count  bar}), then the near-zero fraction; for a terminal or a log. */
        public String toText() {
            StringBuilder sb = new StringBuilder();
            int most = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
            for (int i = 0; i < counts.size(); i++) {
                int k = counts.get(i);
                int bar = most == 0 ? 0 : (int) Math.round(40.0 * k / most);
                sb.append(String.format(Locale.ROOT, "  [%.4f, %.4f%s %6d %s%n", edges.get(i), edges.get(i + 1),
                        i == counts.size() - 1 ? "]" : ")", k, "#".repeat(k > 0 ? Math.max(bar, 1) : 0)));
            }
            sb.append(String.format(Locale.ROOT, "  %d of %d scales (%.1f%%) below %s; largest %.4f", below, channels,
                    100.0 * fractionBelow(), threshold, max));
            return sb.toString();
        }
    }
}
