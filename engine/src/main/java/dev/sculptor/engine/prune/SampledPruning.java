package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.data.ImageDataset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the data-driven channel pruning methods ({@link ThiNetPruning}, {@link ChannelRegressionPruning})
 * share: which channel spaces they may prune and at what ratio, the sampling of the next layer's
 * input from training images, and the layer-by-layer loop.
 *
 * <p>A space is a candidate when it is {@code prunable()}, has producers (its channels are conv
 * filters) and exactly one conv or linear layer reads it (its <em>consumer</em>, "layer i+1");
 * residual streams are never touched, so in a ResNet only the block-internal {@code .inner}
 * spaces are pruned. Removing channel c of the space is exactly zeroing input channel c of the
 * consumer, so each method judges channels by their contribution to the consumer's outputs
 * (before its BatchNorm and bias).
 *
 * <p>Spaces are processed in network order. Before a space is judged, the spaces before it are
 * already pruned (and their consumers refitted), so its consumer's input is sampled from that
 * partly pruned network, while the targets of refits are always the <em>original</em> network's
 * outputs at the same images and locations: a refit also absorbs the error that earlier layers
 * pass on (He et al.'s multi-layer scheme). The consumer's own weights are still the original
 * ones at that point, because its input space is pruned only once. Each step physically shrinks
 * the network with {@link StructuredPruner#shrink}.
 */
abstract class SampledPruning implements PruningMethod {
    /** Default images sampled per pruned layer. */
    public static final int DEFAULT_SAMPLES = 256;
    /** Default random output locations per image. */
    public static final int DEFAULT_LOCATIONS = 10;

    final ImageDataset train;
    final String preset;
    final double presetKeep;
    final double ratio;
    final Map<String, Double> explicitRatios;
    final Set<String> skip;
    final int samples;
    final int locations;
    final boolean refit;
    final long seed;
    final double ridge;

    /** One space to prune, the layer reading it, and how many channels stay. */
    record Target(ChannelSpace space, Layer consumer, int keep) {}

    /** The channels kept (increasing) and the consumer's new weights (null: only sliced). */
    record Decision(int[] kept, float[] consumerWeight) {}

    /** The samples of one consumer layer. */
    static final class Samples {
        final ActivationSampler.Plan plan;
        /** rows x patchSize inputs of the consumer, read from the network being pruned. */
        float[] patches;
        /** The original network's consumer outputs without bias: one per row for unit rows, else rows x out. */
        final float[] reference;

        Samples(ActivationSampler.Plan plan) {
            this.plan = plan;
            this.reference = new float[plan.unit() != null ? plan.rows() : plan.rows() * plan.layer().out()];
        }

        int width() {
            return plan.patchSize();
        }

        void storePatch(int row, float[] patch) {
            System.arraycopy(patch, 0, patches, row * width(), width());
        }

        /** Computes the reference outputs of a row from the original weights (out x patchSize). */
        void storeReference(int row, float[] patch, float[] weight) {
            int p = width();
            if (plan.unit() != null) {
                reference[row] = (float) dot(weight, plan.unit()[row] * p, patch, p);
            } else {
                int out = plan.layer().out();
                for (int o = 0; o < out; o++) {
                    reference[row * out + o] = (float) dot(weight, o * p, patch, p);
                }
            }
        }

        private static double dot(float[] w, int off, float[] x, int n) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += (double) w[off + j] * x[j];
            }
            return s;
        }
    }

    /**
     * @param train the training split (images are drawn from it, never augmented)
     * @param preset a preset name, or null; its kept fraction is {@code presetKeep}
     * @param presetKeep fraction of every candidate space kept by the preset (ignored without one)
     * @param ratio fraction of channels removed in every candidate space, in [0, 1)
     * @param explicitRatios per-space ratios overriding {@code ratio}
     * @param skip spaces left alone
     * @param samples training images sampled (at most the dataset's size are used)
     * @param locations random output locations per image and layer
     * @param refit whether the consumer's weights are refitted by least squares
     * @param seed seeds the images and locations
     * @param ridge ridge of the least-squares refits, relative to the mean diagonal of the normal equations
     */
    SampledPruning(ImageDataset train, String preset, double presetKeep, double ratio, Map<String, Double> explicitRatios,
            Set<String> skip, int samples, int locations, boolean refit, long seed, double ridge) {
        if (train == null) {
            throw new ArchException(name() + " needs the training data to sample activations from");
        }
        if (samples <= 0) {
            throw new ArchException(name() + ": samples (training images to sample) must be positive, got " + samples);
        }
        if (locations <= 0) {
            throw new ArchException(name() + ": locations (sampled output positions per image) must be positive, got "
                    + locations);
        }
        if (!(ridge >= 0) || Double.isInfinite(ridge)) {
            throw new ArchException(name() + ": ridge must be >= 0, got " + ridge);
        }
        Policies.keepCount(1000, ratio);
        explicitRatios.forEach((s, r) -> {
            if (r == null) {
                throw new ArchException("no ratio given for channel space '" + s + "'");
            }
            Policies.keepCount(1000, r);
        });
        this.train = train;
        this.preset = preset;
        this.presetKeep = presetKeep;
        this.ratio = ratio;
        this.explicitRatios = Map.copyOf(explicitRatios);
        this.skip = Set.copyOf(skip);
        this.samples = samples;
        this.locations = locations;
        this.refit = refit;
        this.seed = seed;
        this.ridge = ridge;
    }

    /** Suffix of the pruned architecture's name. */
    abstract String tag();

    /** Whether each row is about one random output channel (ThiNet) rather than all of them. */
    abstract boolean unitRows();

    /** Sample rows per image for a consumer layer. */
    abstract int rowsPerImage(Layer consumer);

    /** Chooses the kept channels of a space (and optionally new consumer weights). */
    abstract Decision decide(Target target, Samples samples, float[] consumerWeight);

    /** Extra settings of a subclass. */
    void addSettings(JsonObject o) {}

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        if (preset != null) {
            o.addProperty("preset", preset);
            o.addProperty("keep", presetKeep);
        } else {
            o.addProperty("ratio", ratio);
            JsonObject r = new JsonObject();
            explicitRatios.forEach(r::addProperty);
            o.add("ratios", r);
            o.add("skip", new Gson().toJsonTree(skip.stream().sorted().toList()));
        }
        o.addProperty("samples", samples);
        o.addProperty("locations", locations);
        o.addProperty("refit", refit);
        o.addProperty("seed", seed);
        o.addProperty("ridge", ridge);
        o.addProperty("data", train.name() + " (" + train.size() + " images)");
        addSettings(o);
        return o;
    }

    /** The single conv or linear layer reading a space, or null when there is none or several. */
    static Layer consumer(LayerGraph g, ChannelSpace s) {
        Layer found = null;
        for (Layer l : g.layers()) {
            if (s.id().equals(l.inSpace()) && (l.kind() == Layer.Kind.CONV || l.kind() == Layer.Kind.LINEAR)) {
                if (found != null) {
                    return null;
                }
                found = l;
            }
        }
        return found;
    }

    /** Why a space cannot be pruned by these methods, or null when it can. */
    static String unsuitable(LayerGraph g, ChannelSpace s) {
        if (!s.prunable()) {
            return s.reason();
        }
        if (s.producers().isEmpty() || s.bnIndices() != null) {
            return "it has no filters of its own (a channel selection)";
        }
        if (consumer(g, s) == null) {
            return "it is not read by exactly one conv or linear layer";
        }
        return null;
    }

    /** The ratio for every space this method prunes, on a given architecture, in network order. */
    public Map<String, Double> ratios(LayerGraph g) {
        for (String s : skip) {
            g.space(s);
        }
        if (preset == null) {
            for (String s : explicitRatios.keySet()) {
                String why = unsuitable(g, g.space(s));
                if (why != null) {
                    throw new ArchException("channel space '" + s + "' cannot be pruned by " + name() + ": " + why);
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (ChannelSpace s : g.spaces().values()) {
            if (unsuitable(g, s) != null || (preset == null && skip.contains(s.id()))) {
                continue;
            }
            double r = preset != null ? 1 - presetKeep : explicitRatios.getOrDefault(s.id(), ratio);
            if (r > 0) {
                out.put(s.id(), r);
            }
        }
        return out;
    }

    /** The spaces to prune, in network order, with their consumers and kept counts. */
    List<Target> targets(LayerGraph g) {
        List<Target> out = new ArrayList<>();
        Set<String> pruned = new HashSet<>();
        for (Map.Entry<String, Double> e : ratios(g).entrySet()) {
            ChannelSpace s = g.space(e.getKey());
            int keep = Policies.keepCount(s.size(), e.getValue());
            if (keep < s.size()) {
                Layer consumer = consumer(g, s);
                if (pruned.contains(consumer.outSpace())) {
                    // cannot happen with the graph's order (a space comes before its consumer's output)
                    throw new IllegalStateException(consumer.name() + " would be refitted after its output was pruned");
                }
                out.add(new Target(s, consumer, keep));
                pruned.add(s.id());
            }
        }
        return out;
    }

    /**
     * Runs the whole pruning (each space is decided on the network with the earlier ones already pruned and refitted)
     * and keeps the decisions: the kept channels and the final weights of every refitted layer.
     */
    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        ArchSpec spec = trained.spec();
        if (train.channels() != spec.channels() || train.height() != spec.height() || train.width() != spec.width()) {
            throw new ArchException(name() + ": the training data " + train.name() + " has " + train.channels() + "x"
                    + train.height() + "x" + train.width() + " images but " + spec.name() + " takes " + spec.channels()
                    + "x" + spec.height() + "x" + spec.width() + " (give the dataset the model was trained on)");
        }
        LayerGraph g = trained.graph();
        List<Target> targets = targets(g);
        String newName = spec.name() + "-" + tag();
        int images = Math.min(samples, train.size());
        ImageDataset data = train.subset(images, seed);
        long rows = 0;
        Map<String, int[]> kept = new LinkedHashMap<>();
        Set<String> refitted = new LinkedHashSet<>();
        Map<String, Tensor> refits = new LinkedHashMap<>();
        Network current = trained;
        try {
            Map<String, Samples> byLayer = new LinkedHashMap<>();
            Map<String, ActivationSampler.Plan> plans = new LinkedHashMap<>();
            Map<String, ActivationSampler.RowSink> sinks = new LinkedHashMap<>();
            for (int i = 0; i < targets.size(); i++) {
                Layer c = targets.get(i).consumer();
                ActivationSampler.Plan plan = ActivationSampler.plan(c, images, rowsPerImage(c), unitRows(), seed);
                Samples s = new Samples(plan);
                plans.put(c.name(), plan);
                byLayer.put(c.name(), s);
                float[] w = trained.array(c.name() + ".weight").toFloatArray();
                if (i == 0) {
                    // the first space sees the original network: read its patches in the same pass
                    s.patches = new float[Math.multiplyExact(plan.rows(), plan.patchSize())];
                    sinks.put(c.name(), (row, patch) -> {
                        s.storeReference(row, patch, w);
                        s.storePatch(row, patch);
                    });
                } else {
                    sinks.put(c.name(), (row, patch) -> s.storeReference(row, patch, w));
                }
                rows += plan.rows();
            }
            if (!targets.isEmpty()) {
                ActivationSampler.pass(trained, data, plans, sinks);
            }
            for (Target t : targets) {
                String consumer = t.consumer().name();
                Samples s = byLayer.get(consumer);
                if (s.patches == null) {
                    s.patches = new float[Math.multiplyExact(s.plan.rows(), s.plan.patchSize())];
                    ActivationSampler.pass(current, data, Map.of(consumer, s.plan), Map.of(consumer, s::storePatch));
                }
                Decision d = decide(t, s, current.array(consumer + ".weight").toFloatArray());
                s.patches = null;
                byLayer.remove(consumer);
                kept.put(t.space().id(), d.kept());
                Network next = StructuredPruner.shrink(current, Map.of(t.space().id(), d.kept()), newName);
                try {
                    if (d.consumerWeight() != null) {
                        next.array(consumer + ".weight").set(d.consumerWeight());
                        refitted.add(consumer + ".weight");
                    }
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
                if (current != trained) {
                    current.close();
                }
                current = next;
            }
            // later spaces may have sliced a refitted layer's outputs: keep its final weights
            for (String t : refitted) {
                NDArray w = current.array(t);
                refits.put(t, new Tensor(t, w.getShape().getShape(), w.toFloatArray()));
            }
        } finally {
            if (current != trained) {
                current.close();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonObject used = settings();
        used.addProperty("sampledImages", targets.isEmpty() ? 0 : images);
        used.addProperty("sampledRows", rows);
        used.addProperty("seconds", seconds);
        return new PrunePlan(def().id(), spec.name(), newName, used, Map.of(), kept, refits, List.of(), null, seconds);
    }

    /** As the default, with the settings' {@code seconds} the whole time, planning and applying. */
    @Override
    public PruneResult prune(Network trained) {
        long t0 = System.nanoTime();
        PrunePlan plan = plan(trained);
        Network pruned = plan.apply(trained);
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonObject used = plan.settings();
        used.addProperty("seconds", seconds);
        return new PruneResult(pruned, plan.kept(), name(), used, seconds);
    }

    /** Positions {@code 0..n-1} not in {@code removed}, increasing. */
    static int[] complement(int n, boolean[] removed) {
        int k = 0;
        for (boolean r : removed) {
            k += r ? 0 : 1;
        }
        int[] out = new int[k];
        int p = 0;
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                out[p++] = i;
            }
        }
        return out;
    }
}
