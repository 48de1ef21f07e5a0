package dev.sculptor.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Median and spread over the repetitions; a much bigger network measured slower in the same run. No absolute times. */
class LatencyTest {

    @Test
    void percentileIsNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(1, Latency.percentile(v, 0.1));
        assertEquals(9, Latency.percentile(v, 0.9));
        assertEquals(5, Latency.percentile(v, 0.5));
        assertEquals(7, Latency.percentile(new double[] {7}, 0.1));
    }

    @Test
    void warmUpGoesOnWhileRoundsGetFaster() {
        // a cold start: each pass 30% faster than the one before until it settles at 1
        double[] times = {10, 7, 4.9, 3.43, 2.4, 1.68, 1.18, 1, 1, 1, 1, 1, 1, 1, 1};
        int[] next = {0};
        int passes = Latency.warmUp(() -> times[Math.min(next[0]++, times.length - 1)], 2);
        // rounds of 2: 17, 8.33, 4.08, 2.18, 2 (no more than 10% faster than 2.18): stop after the fifth
        assertEquals(10, passes);
        assertEquals(10, next[0]);
        // a warm process: the second round is as fast as the first
        int[] calls = {0};
        assertEquals(6, Latency.warmUp(() -> {
            calls[0]++;
            return 1.0;
        }, 3));
        assertEquals(6, calls[0]);
        // never endless: a pass that keeps getting faster is cut off
        double[] t = {1};
        assertEquals(Latency.MAX_WARMUP_ROUNDS, Latency.warmUp(() -> t[0] *= 0.5, 1));
        assertEquals(0, Latency.warmUp(() -> 1.0, 0));
    }

    @Test
    void slowNetworkIsSlowerWithMedianInsideItsSpread() {
        // ~5.8 thousand MACs vs ~20 million (3x32x32 input, 64 and 128 channels): thousands of times the work
        ArchSpec fast = new ArchSpec("vgg", "fast", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
                null, null, null, null);
        ArchSpec slow = new ArchSpec("vgg", "slow", List.of(3, 32, 32), 3, List.of(64, 128), List.of(0), List.of(5),
                null, null, null, null);
        int before = Latency.threads();
        try (Network f = Network.create(fast, 1); Network s = Network.create(slow, 1)) {
            Latency.Result rf = Latency.measure(f, 16, 6, 2, 1);
            Latency.Result rs = Latency.measure(s, 16, 6, 2, 1);
            for (Latency.Result r : List.of(rf, rs)) {
                assertTrue(r.p10Millis() <= r.medianMillis() && r.medianMillis() <= r.p90Millis(), r.toString());
                assertTrue(r.imagesPerSecondP10() <= r.imagesPerSecond() && r.imagesPerSecond() <= r.imagesPerSecondP90(),
                        r.toString());
                assertEquals(30, r.singleRuns());
                assertEquals(6, r.batchRuns());
                assertTrue(r.warmup() >= 2 && r.warmup() % 2 == 0, "whole rounds of 2: " + r.warmup());
                assertEquals(1, r.threads(), "measured at the thread count asked for");
            }
            // compared at their fastest tenth: other processes only ever slow a pass down, so on a busy machine a
            // median of 6 batches can catch the fast network's stalls (seen: 1,527 vs 1,703 img/s) while its best
            // passes stay far ahead
            assertTrue(rs.p10Millis() > rf.p10Millis(), rs + " vs " + rf);
            assertTrue(rs.imagesPerSecondP90() < rf.imagesPerSecondP90(), rs + " vs " + rf);
            // the existing callers' form still works: 3 warm-ups, the current thread count
            Latency.Result old = Latency.measure(f, 8, 2);
            assertEquals(10, old.singleRuns());
            assertTrue(old.warmup() >= Latency.DEFAULT_WARMUP, old.toString());
            assertEquals(before, old.threads());
        }
        assertEquals(before, Latency.threads(), "thread count restored");
        try (Network f = Network.create(fast, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Latency.measure(f, 0, 3, 1, 0));
            assertTrue(e.getMessage().contains("batch (0)"), e.getMessage());
        }
    }
}
