package dev.sculptor.engine.experiment;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.prune.StructuredPruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovers the keep map of a structured pruning from the trained network and the pruned one it
 * produced, for a pruned checkpoint written before manifests recorded it ({@link
 * dev.sculptor.engine.checkpoint.Manifest#kept()}); refitted layers defeat it, the recorded map does not. Physical
 * shrinking copies exact slices, so channel {@code i} of a pruned space is the original channel
 * whose filters (cut to the kept inputs) and BatchNorm values equal its own; spaces are matched in
 * forward order so each layer's kept inputs are known, and selection spaces are matched by the
 * stream channel they read. The result is checked: shrinking the original with it must give the
 * pruned tensors exactly.
 */
public final class KeptChannels {
    private KeptChannels() {}

    /**
     * @param original the trained network that was pruned
     * @param pruned the output of the pruning, before any retraining
     * @return kept positions per shrunk space (empty when the architecture is unchanged, e.g.
     *     weight-level pruning)
     */
    public static Map<String, int[]> recover(Network original, Network pruned) {
        LayerGraph og = original.graph();
        LayerGraph pg = pruned.graph();
        if (!og.spec().family().equals(pg.spec().family())) {
            throw new ArchException("cannot match a " + pg.spec().family() + " pruned model to a " + og.spec().family()
                    + " original");
        }
        Map<String, int[]> keep = new LinkedHashMap<>();
        Map<String, float[]> cacheO = new HashMap<>();
        Map<String, float[]> cacheP = new HashMap<>();
        for (ChannelSpace s : og.spaces().values()) {
            ChannelSpace ps = pg.spaces().get(s.id());
            if (ps == null) {
                throw new ArchException("the pruned model has no channel space '" + s.id() + "'");
            }
            if (ps.size() == s.size()) {
                continue;
            }
            if (ps.size() > s.size() || !s.prunable()) {
                throw new ArchException("channel space '" + s.id() + "' has " + ps.size() + " channels in the pruned model and "
                        + s.size() + " in the original: not a pruning of it");
            }
            int[] kept = new int[ps.size()];
            int o = 0;
            for (int i = 0; i < kept.length; i++, o++) {
                while (o < s.size() && !same(original, pruned, og, pg, s, o, ps, i, keep, cacheO, cacheP)) {
                    o++;
                }
                if (o == s.size()) {
                    throw new ArchException("channel " + i + " of space '" + s.id() + "' of the pruned model matches no "
                            + "channel of the original: was it retrained, or pruned from another model?");
                }
                kept[i] = o;
            }
            keep.put(s.id(), kept);
        }
        if (!keep.isEmpty() && pruned.masks().isEmpty()) {
            verify(original, pruned, keep);
        }
        return keep;
    }

    private static boolean same(Network original, Network pruned, LayerGraph og, LayerGraph pg, ChannelSpace s, int o,
            ChannelSpace ps, int i, Map<String, int[]> keep, Map<String, float[]> cacheO, Map<String, float[]> cacheP) {
        if (s.producers().isEmpty()) {
            // a selection: position o reads stream channel bnChannel(o)
            if (s.bnIndices() == null) {
                throw new ArchException("cannot tell which channels of space '" + s.id() + "' were kept");
            }
            return s.bnChannel(o) == ps.bnChannel(i);
        }
        for (String producer : s.producers()) {
            Layer l = og.layer(producer);
            int[] inKeep = l.inSpace() == null ? null : keep.get(l.inSpace());
            if (!sameFilter(values(original, producer + ".weight", cacheO), values(pruned, producer + ".weight", cacheP),
                    l, pg.layer(producer).in(), o, i, inKeep)) {
                return false;
            }
            if (l.bias() && values(original, producer + ".bias", cacheO)[o] != values(pruned, producer + ".bias", cacheP)[i]) {
                return false;
            }
        }
        for (Layer l : og.layers()) {
            if (l.kind() == Layer.Kind.BN && s.id().equals(l.outSpace())) {
                for (String suffix : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
                    String n = l.name() + "." + suffix;
                    if (Float.compare(values(original, n, cacheO)[o], values(pruned, n, cacheP)[i]) != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Original filter {@code o} cut to the kept inputs equals pruned filter {@code i}, bit for bit. */
    private static boolean sameFilter(float[] w, float[] p, Layer l, int inP, int o, int i, int[] inKeep) {
        int inO = l.in();
        int per = w.length / l.out() / inO; // kernel positions per input feature
        int rowO = inO * per;
        int rowP = inP * per;
        int repeat = l.inRepeat();
        for (int a = 0; a < inP; a++) {
            // input feature a of the pruned layer; with a flattened map, channel a / repeat, position a % repeat
            int c = inKeep == null ? a : inKeep[a / repeat] * repeat + a % repeat;
            for (int j = 0; j < per; j++) {
                if (Float.compare(w[o * rowO + c * per + j], p[i * rowP + a * per + j]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static float[] values(Network net, String name, Map<String, float[]> cache) {
        return cache.computeIfAbsent(name, n -> net.array(n).toFloatArray());
    }

    private static void verify(Network original, Network pruned, Map<String, int[]> keep) {
        try (Network check = StructuredPruner.shrink(original, keep, pruned.spec().name())) {
            if (!check.spec().equals(pruned.spec())) {
                throw new ArchException("the recovered keep map does not give the pruned architecture");
            }
            List<String> bad = new ArrayList<>();
            List<Tensor> a = check.exportTensors();
            List<Tensor> b = pruned.exportTensors();
            for (int t = 0; t < a.size(); t++) {
                if (!Arrays.equals(a.get(t).data(), b.get(t).data())) {
                    bad.add(a.get(t).name());
                }
            }
            if (!bad.isEmpty()) {
                throw new ArchException("the pruned model is not a slice of the original (" + String.join(", ",
                        bad.subList(0, Math.min(3, bad.size()))) + " differ): was it retrained?");
            }
        }
    }
}
