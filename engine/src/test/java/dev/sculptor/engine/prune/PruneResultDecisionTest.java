package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sculptor.engine.arch.Network;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link PruneResult#decision()} names what a method chose, so that a retrained step is reused only after the same
 * choice: other kept channels or other masks under the same settings change it, other weight values do not.
 */
class PruneResultDecisionTest {
    private static final String CONV0 = "features.0.conv.weight";

    @Test
    void otherKeptChannelsUnderTheSameSettingsAreAnotherDecision() {
        try (Network net = Network.create(WeightLevelPruningTest.tinyVgg(), 3)) {
            L1NormPruning l1 = new L1NormPruning(null, 0.5, Map.of(), Set.of());
            PruneResult r = l1.prune(net);
            int[] kept = r.kept().get("features.0").clone();
            String first = r.decision();
            r.network().close();
            assertEquals(64, first.length());
            PruneResult again = l1.prune(net);
            assertEquals(first, again.decision(), "the same network and settings choose the same");
            // the same kept channels on a network with other weight values (as a refit leaves them): the same choice
            float[] w = again.network().array(CONV0).toFloatArray();
            for (int i = 0; i < w.length; i++) {
                w[i] += 1e-3f;
            }
            again.network().array(CONV0).set(w);
            assertEquals(first, again.decision());
            again.network().close();

            // make the first dropped channel of features.0 the largest: the same widths, another choice
            int dropped = 0;
            while (contains(kept, dropped)) {
                dropped++;
            }
            float[] base = net.array(CONV0).toFloatArray();
            int per = base.length / 4;
            for (int i = 0; i < per; i++) {
                base[dropped * per + i] = 10f;
            }
            net.array(CONV0).set(base);
            PruneResult other = l1.prune(net);
            assertEquals(kept.length, other.kept().get("features.0").length);
            assertNotEquals(first, other.decision(), "channel " + dropped + " is kept now");
            other.network().close();
        }
    }

    @Test
    void otherMasksUnderTheSamePercentAreAnotherDecision() {
        try (Network net = Network.create(WeightLevelPruningTest.tinyVgg(), 3)) {
            WeightLevelPruningTest.assign(net, WeightLevelPruningTest.CONVS);
            WeightLevelPruning half = new WeightLevelPruning(0.5, false);
            PruneResult a = half.prune(net);
            PruneResult b = half.prune(net);
            assertEquals(a.decision(), b.decision());
            // swap the magnitudes of the first two weights of different rank: the same count masked, other weights
            float[] w = net.array(CONV0).toFloatArray();
            float[] swapped = w.clone();
            int big = 0;
            int small = 0;
            for (int i = 0; i < w.length; i++) {
                if (Math.abs(w[i]) > Math.abs(w[big])) {
                    big = i;
                }
                if (Math.abs(w[i]) < Math.abs(w[small])) {
                    small = i;
                }
            }
            swapped[big] = w[small];
            swapped[small] = w[big];
            net.array(CONV0).set(swapped);
            PruneResult c = half.prune(net);
            assertNotEquals(a.decision(), c.decision());
            a.network().close();
            b.network().close();
            c.network().close();
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
