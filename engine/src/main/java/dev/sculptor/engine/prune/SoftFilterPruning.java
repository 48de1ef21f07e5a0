package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.sculptor.engine.arch.ArchException;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.train.TrainingHook;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Soft Filter Pruning (He, Kang, Dong, Fu, Yang, "Soft Filter Pruning for Accelerating Deep
 * Convolutional Neural Networks", IJCAI 2018): while the model trains, before the first epoch and
 * after every epoch the filters with the smallest L2 norm are set to zero in every conv layer, but
 * they stay in the model and keep being updated (no masks), so a filter zeroed after one epoch may
 * recover in the next and another one be zeroed instead. When training ends, the filters with the
 * smallest L2 norm (the zeroed ones) are removed physically where the engine can shrink.
 *
 * <p>As the reference implementation ({@code rethinking-network-pruning/cifar/soft-filter-pruning},
 * after he-y/soft-filter-pruning) does for ResNet:
 *
 * <ul>
 *   <li>Every conv layer is soft-pruned, the stem and the convs writing into residual streams
 *       included, each on its own filters' L2 norms ({@link #convRates}). A per-space rate names a
 *       prunable space; a skip names any space, and leaves out every conv writing it.
 *   <li>{@code int(n * rate)} filters of a layer of {@code n} are zeroed ({@link #prunedCount}; at
 *       least one stays).
 *   <li>Only conv weights are zeroed; BatchNorm scales, shifts and statistics are left alone.
 * </ul>
 *
 * <p>What the engine's shrinking applies: a VGG's convs, a ResNet block's {@code .inner} width, a
 * PreResNet's {@code .mid1}/{@code .mid2}, and the residual streams of both. For a stream to narrow,
 * every conv writing it must zero the same channels, so those convs share one choice per stream
 * ({@link #streamKeep}) where the reference ranks each conv on its own. The shrunk ResNet then has
 * exactly the FLOPs the paper counts ({@link #referenceMacs}: every conv narrower by
 * {@code int(n * rate)}, and its inputs too; 47.4% fewer on ResNet-56 at 0.3, where the streams kept
 * at full width saved 27.5%). A shrunk PreResNet saves more than {@link #referenceMacs} counts: its
 * blocks' first convs read the stream through a selection, which loses the removed channels too.
 *
 * <p>Because BN stays untouched, a zeroed filter's channel still emits the BN shift; the shrunk
 * network drops that channel. The shrunk copy therefore equals the soft-pruned network once the
 * removed channels are silenced ({@link #silenceRemoved}: their BN scale and shift set to zero),
 * which is the final hard step; the training itself never touches BN.
 */
public final class SoftFilterPruning implements PruningMethod {
    private final double rate;
    private final Map<String, Double> explicitRates;
    private final Set<String> skip;
    /** Chooses the spaces exactly as L1-norm pruning does (validation included). */
    private final L1NormPruning spaces;

    /**
     * @param rate fraction of filters zeroed and finally removed in every prunable space with filters
     * @param explicitRates per-space rates overriding {@code rate}
     * @param skip spaces left alone
     */
    public SoftFilterPruning(double rate, Map<String, Double> explicitRates, Set<String> skip) {
        this.spaces = new L1NormPruning(null, rate, explicitRates, skip);
        this.rate = rate;
        this.explicitRates = Map.copyOf(explicitRates);
        this.skip = Set.copyOf(skip);
    }

    @Override
    public MethodDef def() {
        return MethodDef.SOFT_FILTER_PRUNING;
    }

    @Override
    public JsonObject settings() {
        JsonObject o = new JsonObject();
        o.addProperty("rate", rate);
        JsonObject r = new JsonObject();
        explicitRates.forEach(r::addProperty);
        o.add("rates", r);
        o.add("skip", new com.google.gson.Gson().toJsonTree(skip.stream().sorted().toList()));
        // soft pruning narrows residual streams since this marker: baselines soft-pruned before it differ, and their
        // fingerprints (which hold these settings) no longer match, so they are not reused as if they were the same
        o.addProperty("streams", true);
        return o;
    }

    /** The rate of every space this method prunes, on a given architecture. */
    public Map<String, Double> rates(LayerGraph graph) {
        return spaces.ratios(graph);
    }

    @Override
    public List<TrainingHook> baselineHooks() {
        return List.of(new TrainingHook() {
            @Override
            public void beforeTraining(Network net) {
                softPrune(net); // the reference soft-prunes the initial model before epoch 1
            }

            @Override
            public void afterEpoch(Network net, int epoch) {
                softPrune(net);
            }
        });
    }

    /**
     * Filters zeroed in a layer of {@code n} at {@code rate}: {@code int(n * rate)} as the reference
     * (the epsilon keeps exact products exact), leaving at least one.
     */
    public static int prunedCount(int n, double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new ArchException("soft filter pruning rate must be in [0, 1), got " + rate);
        }
        return Math.min(n - 1, (int) Math.floor(n * rate + 1e-9));
    }

    /**
     * The rate of every conv layer soft-pruned during training: all convs, at the rate of their
     * output space where one is given, else the global rate; convs writing a skipped space (a
     * residual stream may be skipped too, e.g. {@code stage1}) are left out.
     */
    public Map<String, Double> convRates(LayerGraph graph) {
        Map<String, Double> spaceRates = rates(graph); // validates the per-space rates and skips
        Map<String, Double> out = new LinkedHashMap<>();
        for (Layer l : graph.layers()) {
            if (l.kind() != Layer.Kind.CONV || skip.contains(l.outSpace())) {
                continue;
            }
            double r = spaceRates.getOrDefault(l.outSpace(), rate);
            if (r > 0) {
                out.put(l.name(), r);
            }
        }
        return out;
    }

    /**
     * One soft-pruning step: in every conv layer, zero the {@code int(n * rate)} filters with the
     * smallest L2 norm (weights only). Returns the zeroed filters per conv.
     */
    public Map<String, int[]> softPrune(Network net) {
        Map<String, int[]> zeroed = new LinkedHashMap<>();
        Map<String, int[]> streams = streamKeep(net);
        try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
            for (Map.Entry<String, Double> e : convRates(net.graph()).entrySet()) {
                NDArray w = net.array(e.getKey() + ".weight");
                int n = (int) w.getShape().get(0);
                int[] kept = streams.get(net.graph().layer(e.getKey()).outSpace());
                if (kept == null) {
                    float[] sq = new float[n];
                    double[] acc = new double[n];
                    addSquares(acc, w.toFloatArray());
                    for (int c = 0; c < n; c++) {
                        sq[c] = (float) Math.sqrt(acc[c]);
                    }
                    kept = Policies.topK(sq, n - prunedCount(n, e.getValue()));
                }
                int[] removed = complement(kept, n);
                float[] factor = new float[n];
                Arrays.fill(factor, 1f);
                for (int c : removed) {
                    factor[c] = 0f;
                }
                multiplyRows(m, w, factor);
                zeroed.put(e.getKey(), removed);
            }
        }
        return zeroed;
    }

    /**
     * The channels kept per shrinkable space: the ones with the largest L2 norms, {@code int(n * rate)} removed;
     * on a ResNet also the residual streams, chosen as {@link #streamKeep}.
     */
    Map<String, int[]> keep(Network net) {
        Map<String, float[]> scores = l2FilterNorm().scores(net);
        Map<String, int[]> keep = new LinkedHashMap<>();
        rates(net.graph()).forEach((id, r) -> {
            float[] s = scores.get(id);
            if (r > 0) {
                keep.put(id, Policies.topK(s, s.length - prunedCount(s.length, r)));
            }
        });
        streamKeep(net).forEach((id, k) -> {
            if (k.length < net.graph().space(id).size()) {
                keep.put(id, k);
            }
        });
        return keep;
    }

    /**
     * The channels each residual stream keeps, one choice for all the convs writing it (a ResNet's stem, a
     * PreResNet's stem conv and projections, every block's last conv): the reference prunes each of these convs on its own
     * norms, which would zero different channels in each, so no stream channel could go. Here each stream still
     * loses {@code int(n * rate)} channels (none when skipped), ranked by the L2 norm over every conv writing the
     * channel, in its stream and (a ResNet's) in the later streams the zero-padding shortcut carries it into (as
     * later SFP and FPGM code ranks coupled filters by their summed norm); those same channels are zeroed in every
     * writer, so after the soft pruning a removed stream channel is zero in every tensor that writes it and in the
     * shortcut ({@link Policies#nestedStreams}; a PreResNet's streams, each started by a projection, are chosen
     * each on its own, {@link Policies#eachStream}). Empty for other families, and where the streams' counts cannot nest
     * (e.g. {@code stage2} skipped while {@code stage1} is pruned): those streams keep their width and their convs
     * are soft-pruned each on its own norms, as before.
     */
    public Map<String, int[]> streamKeep(Network net) {
        LayerGraph g = net.graph();
        List<String> streams = g.residualStreams();
        if (streams.isEmpty()) {
            return Map.of();
        }
        Map<String, Double> convs = convRates(g);
        Map<String, float[]> additive = new LinkedHashMap<>();
        Map<String, Integer> removed = new LinkedHashMap<>();
        for (String id : streams) {
            ChannelSpace s = g.space(id);
            double[] sq = new double[s.size()];
            for (String producer : s.producers()) {
                addSquares(sq, net.array(producer + ".weight").toFloatArray());
            }
            float[] a = new float[sq.length];
            for (int c = 0; c < a.length; c++) {
                a[c] = (float) sq[c];
            }
            additive.put(id, a);
            // convRates gives every writer of a stream the same rate (streams have no per-space rate), or none
            Double r = s.producers().isEmpty() ? null : convs.get(s.producers().get(0));
            removed.put(id, r == null ? 0 : prunedCount(s.size(), r));
        }
        Map<String, int[]> keep = g.streamsNest() ? Policies.nestedStreams(streams, additive, removed)
                : Policies.eachStream(streams, additive, removed);
        return keep == null ? Map.of() : keep;
    }

    /**
     * The final hard step: the BN scale and shift of every channel the plan removes are set to zero,
     * so the network computes exactly what its shrunk copy computes.
     */
    public static void silenceRemoved(Network net, Map<String, int[]> kept) {
        for (Map.Entry<String, int[]> e : kept.entrySet()) {
            ChannelSpace s = net.graph().space(e.getKey());
            zeroChannels(net, s, complement(e.getValue(), s.size()));
        }
    }

    /**
     * MACs of one example when every soft-pruned conv loses {@code int(n * rate)} filters and every
     * layer reading a conv-produced space loses as many inputs: the count the paper and the
     * reference report, whether or not the engine can shrink the space physically.
     */
    public long referenceMacs(LayerGraph graph) {
        Map<String, Double> convs = convRates(graph);
        long total = 0;
        for (Layer l : graph.layers()) {
            if (l.kind() != Layer.Kind.CONV && l.kind() != Layer.Kind.LINEAR) {
                continue;
            }
            double r = convs.getOrDefault(l.name(), 0.0);
            long out = l.out() - (l.kind() == Layer.Kind.CONV ? prunedCount(l.out(), r) : 0);
            long in = l.in();
            ChannelSpace src = l.inSpace() == null ? null : graph.spaces().get(l.inSpace());
            if (src != null && !src.producers().isEmpty() && src.producers().stream().allMatch(convs::containsKey)) {
                // every producer of the input is pruned at its rate (the same for all producers of a space)
                double inRate = convs.get(src.producers().get(0));
                in = l.in() - (long) prunedCount(l.in() / l.inRepeat(), inRate) * l.inRepeat();
            }
            total += l.macs() / ((long) l.in() * l.out()) * in * out;
        }
        return total;
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = l2FilterNorm().scores(trained);
        Map<String, int[]> keep = keep(trained);
        return new PrunePlan(def().id(), trained.spec().name(), trained.spec().name() + "-sfp", settings(), scores, keep,
                Map.of(), List.of(), null, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * L2 norm of each channel's filters, over all producers of the space taken together, for every
     * prunable space with producers.
     */
    public static Importance l2FilterNorm() {
        return net -> {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (ChannelSpace s : net.graph().prunableSpaces()) {
                if (!s.producers().isEmpty()) {
                    out.put(s.id(), l2Norms(net, s));
                }
            }
            return out;
        };
    }

    /** Per channel of {@code s}: sqrt of the sum of squares of its filters in every producer. */
    static float[] l2Norms(Network net, ChannelSpace s) {
        double[] sq = new double[s.size()];
        for (String producer : s.producers()) {
            addSquares(sq, net.array(producer + ".weight").toFloatArray());
            if (net.tensorNames().contains(producer + ".bias")) {
                addSquares(sq, net.array(producer + ".bias").toFloatArray());
            }
        }
        float[] out = new float[sq.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.sqrt(sq[i]);
        }
        return out;
    }

    private static void addSquares(double[] sq, float[] w) {
        int per = w.length / sq.length;
        for (int c = 0; c < sq.length; c++) {
            double sum = 0;
            for (int j = c * per; j < (c + 1) * per; j++) {
                sum += (double) w[j] * w[j];
            }
            sq[c] += sum;
        }
    }

    /**
     * Zeroes channels of {@code s} in place: their filters (and biases) in every producer, and their
     * scale and shift in every BatchNorm on the space. Runs outside any training scope (after an
     * epoch), so everything it creates is freed here.
     */
    static void zeroChannels(Network net, ChannelSpace s, int[] channels) {
        if (channels.length == 0) {
            return;
        }
        float[] keepOut = new float[s.size()];
        Arrays.fill(keepOut, 1f);
        for (int c : channels) {
            keepOut[c] = 0f;
        }
        Set<String> batchNorms = new LinkedHashSet<>();
        if (s.bn() != null && s.bnIndices() == null) {
            batchNorms.add(s.bn());
        }
        for (Layer l : net.graph().layers()) {
            if (l.kind() == Layer.Kind.BN && s.id().equals(l.outSpace())) {
                batchNorms.add(l.name());
            }
        }
        try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
            for (String producer : s.producers()) {
                multiplyRows(m, net.array(producer + ".weight"), keepOut);
                if (net.tensorNames().contains(producer + ".bias")) {
                    multiplyRows(m, net.array(producer + ".bias"), keepOut);
                }
            }
            for (String bn : batchNorms) {
                multiplyRows(m, net.array(bn + ".gamma"), keepOut);
                multiplyRows(m, net.array(bn + ".beta"), keepOut);
            }
        }
    }

    /** {@code a[c, ...] *= factor[c]} in place; zeroed entries are +0.0, not -0.0. */
    private static void multiplyRows(NDManager m, NDArray a, float[] factor) {
        long[] shape = new long[a.getShape().dimension()];
        Arrays.fill(shape, 1);
        shape[0] = factor.length;
        NDArray f = m.create(factor, new Shape(shape));
        a.muli(f).addi(0f); // -0.0 + 0.0 = +0.0
    }

    private static int[] complement(int[] kept, int size) {
        boolean[] k = new boolean[size];
        for (int i : kept) {
            k[i] = true;
        }
        return java.util.stream.IntStream.range(0, size).filter(i -> !k[i]).toArray();
    }
}
