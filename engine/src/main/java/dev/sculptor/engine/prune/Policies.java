package dev.sculptor.engine.prune;

import dev.sculptor.engine.arch.ArchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns importance scores into kept channel positions. */
public final class Policies {
    private Policies() {}

    /** Channels kept when a fraction {@code ratio} of {@code size} is pruned (floor, at least one). */
    public static int keepCount(int size, double ratio) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new ArchException("prune ratio must be in [0, 1), got " + ratio);
        }
        // the epsilon keeps exact products exact: 10 * (1 - 0.8) is 1.9999999999999996 in doubles
        return Math.max(1, (int) Math.floor(size * (1 - ratio) + 1e-9));
    }

    /** The {@code k} highest-scoring positions, in increasing order (ties: lower index wins). */
    public static int[] topK(float[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }

    /**
     * Kept channels of a ResNet's residual streams ({@code LayerGraph.residualStreams}, in stage order), chosen so a
     * narrowed network stays exact: stream s's first {@code w(s-1)} channels are stream s-1's carried by the
     * zero-padding shortcut, so stream s removes exactly what stream s-1 removed there, and its other removals
     * come from its padded channels {@code w(s-1)..w(s)-1}. Removing a channel from stream s removes it from every
     * later stream too, so a channel is ranked by the sum of {@code additive} (a per-channel score that adds over
     * the convs writing a stream: sum of squares for L2, sum of absolute values for L1) over stream s and every
     * later stream; the lowest go (ties: the higher index goes).
     *
     * @param additive per stream, the score of each of its channels summed over the convs writing it
     * @param removed per stream, how many channels go
     * @return kept positions per stream (all of them listed), or null when the counts cannot nest: a stream
     *     removing fewer than the one before it, or more than that plus its padded channels
     */
    public static Map<String, int[]> nestedStreams(List<String> streams, Map<String, float[]> additive,
            Map<String, Integer> removed) {
        Map<String, int[]> keep = new LinkedHashMap<>();
        boolean[] prevRemoved = new boolean[0];
        int prevCount = 0;
        for (int s = 0; s < streams.size(); s++) {
            String id = streams.get(s);
            int w = additive.get(id).length;
            int prevWidth = prevRemoved.length;
            int need = removed.get(id) - prevCount;
            if (need < 0 || need > w - prevWidth || removed.get(id) >= w) {
                return null;
            }
            // chain score of the padded channels this stream may remove
            float[] chain = new float[w - prevWidth];
            for (int t = s; t < streams.size(); t++) {
                float[] a = additive.get(streams.get(t));
                for (int c = prevWidth; c < w; c++) {
                    chain[c - prevWidth] += a[c];
                }
            }
            boolean[] gone = java.util.Arrays.copyOf(prevRemoved, w);
            boolean[] padKept = new boolean[chain.length];
            for (int c : topK(chain, chain.length - need)) {
                padKept[c] = true;
            }
            for (int c = 0; c < chain.length; c++) {
                gone[prevWidth + c] = !padKept[c];
            }
            keep.put(id, java.util.stream.IntStream.range(0, w).filter(c -> !gone[c]).toArray());
            prevRemoved = gone;
            prevCount = removed.get(id);
        }
        return keep;
    }

    /**
     * Kept channels of residual streams that do not nest (a PreResNet's, each started by a projection): each stream
     * keeps its channels of largest {@code additive} score, {@code removed} of them gone (all positions listed).
     */
    public static Map<String, int[]> eachStream(List<String> streams, Map<String, float[]> additive,
            Map<String, Integer> removed) {
        Map<String, int[]> keep = new LinkedHashMap<>();
        for (String id : streams) {
            float[] a = additive.get(id);
            if (removed.get(id) >= a.length) {
                return null;
            }
            keep.put(id, topK(a, a.length - removed.get(id)));
        }
        return keep;
    }

    /** Per-space ratios: each listed space keeps its top {@link #keepCount} channels. */
    public static Map<String, int[]> perSpace(Map<String, float[]> scores, Map<String, Double> ratios) {
        Map<String, int[]> keep = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            float[] s = scores.get(e.getKey());
            if (s == null) {
                throw new ArchException("no scores for channel space '" + e.getKey() + "' (scored: " + scores.keySet() + ")");
            }
            if (e.getValue() > 0) {
                keep.put(e.getKey(), topK(s, keepCount(s.length, e.getValue())));
            }
        }
        return keep;
    }

    /**
     * One global threshold: the score at the {@code percent} quantile of all scores; channels
     * strictly above it stay. A space that would lose every channel keeps its best one.
     */
    public static Map<String, int[]> globalThreshold(Map<String, float[]> scores, double percent) {
        if (!(percent >= 0 && percent < 1)) {
            throw new ArchException("global prune percent must be in [0, 1), got " + percent);
        }
        List<Float> all = new ArrayList<>();
        scores.values().forEach(a -> {
            for (float f : a) {
                all.add(f);
            }
        });
        if (all.isEmpty()) {
            throw new ArchException("nothing to prune: no prunable channels were scored");
        }
        float[] sorted = new float[all.size()];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = all.get(i);
        }
        Arrays.sort(sorted);
        int pos = (int) (sorted.length * percent);
        float threshold = percent == 0 ? Float.NEGATIVE_INFINITY : sorted[Math.min(pos, sorted.length - 1)];
        Map<String, int[]> keep = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : scores.entrySet()) {
            float[] s = e.getValue();
            int[] kept = java.util.stream.IntStream.range(0, s.length).filter(i -> s[i] > threshold).toArray();
            if (kept.length == 0) {
                kept = topK(s, 1);
            }
            if (kept.length < s.length) {
                keep.put(e.getKey(), kept);
            }
        }
        return keep;
    }
}
