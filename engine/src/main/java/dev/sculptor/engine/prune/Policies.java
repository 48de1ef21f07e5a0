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
