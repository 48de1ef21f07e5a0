package dev.sculptor.engine.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
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
 * Convolutional Neural Networks", IJCAI 2018): while the model trains, after every epoch the
 * filters with the smallest L2 norm are set to zero in every chosen layer at the target rate, but
 * they stay in the model and keep being updated (no masks), so a filter zeroed after one epoch may
 * recover in the next and another one be zeroed instead. When training ends, the filters with the
 * smallest L2 norm (the zeroed ones) are removed physically.
 *
 * <p>Choices made here, beyond the paper:
 *
 * <ul>
 *   <li>Layers are channel spaces: every prunable space that has producing convs (in a ResNet only
 *       the block-internal {@code .inner} widths; residual streams stay whole), at one rate or
 *       per-space rates, with a skip list, as {@link L1NormPruning}. The number zeroed is {@code n -
 *       floor(n * (1 - rate))} (at least one filter stays).
 *   <li>A coupled space (several producers) is scored by the L2 norm of all its producers' filters
 *       for a channel taken together ({@code sqrt} of the summed squares), and a channel is zeroed in
 *       every producer at once.
 *   <li>The paper zeroes only conv weights. In these networks a BatchNorm follows each conv, and a
 *       zero filter's channel would still emit the BN shift (training mode) or a constant from the
 *       running statistics (eval mode). The BatchNorm scale and shift of a zeroed channel (every BN
 *       on the space) are zeroed as well, so the channel is silent: the soft-pruned network computes
 *       exactly what the physically shrunk one computes, and removing the zeroed filters at the end
 *       costs no accuracy. Running statistics are left alone (they do not matter with a zero scale).
 *   <li>Recovery: a silent channel behind a ReLU gets zero gradient, so a zeroed filter comes back
 *       through the optimiser's momentum (kept, as in the reference implementation) and weight decay
 *       in the next epoch's first steps, after which its gradients flow again.
 * </ul>
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
            public void afterEpoch(Network net, int epoch) {
                softPrune(net);
            }
        });
    }

    /**
     * One soft-pruning step: in every chosen space, zero the filters with the smallest L2 norm (and
     * their BN scale and shift). Returns the zeroed channel positions per space.
     */
    public Map<String, int[]> softPrune(Network net) {
        Map<String, int[]> keep = keep(net);
        Map<String, int[]> zeroed = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : keep.entrySet()) {
            ChannelSpace s = net.graph().space(e.getKey());
            int[] removed = complement(e.getValue(), s.size());
            zeroChannels(net, s, removed);
            zeroed.put(s.id(), removed);
        }
        return zeroed;
    }

    /** The channels kept per space: the ones with the largest L2 norms. */
    Map<String, int[]> keep(Network net) {
        return Policies.perSpace(l2FilterNorm().scores(net), rates(net.graph()));
    }

    @Override
    public PrunePlan plan(Network trained) {
        long t0 = System.nanoTime();
        Map<String, float[]> scores = l2FilterNorm().scores(trained);
        Map<String, int[]> keep = Policies.perSpace(scores, rates(trained.graph()));
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
