package dev.sculptor.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.SoftFilterPruning;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.engine.train.TrainConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The default output directory of {@code rethink}: the key settings readable in it, everything else in its digest. */
class RethinkDirNameTest {
    private static final DataSpec FMNIST = new DataSpec("fashion-mnist", null, 0, 0);
    private static final TrainConfig BASE = TrainConfig.defaults(12);

    private static String name(dev.sculptor.engine.prune.PruningMethod m, DataSpec ds, Double cap) {
        return RethinkCommand.defaultDirName(m, "lenet", ds, BASE, 3, 0.0005, cap);
    }

    @Test
    void theAmountIsReadableAndEverySettingChangesTheName() {
        String l1 = name(new L1NormPruning(null, 0.5, Map.of(), Set.of()), FMNIST, 2.0);
        assertTrue(l1.startsWith("rethink-l1-ratio0.5-lenet-fashion-mnist-e12-lr"), l1);
        String l1b = name(new L1NormPruning(null, 0.3, Map.of(), Set.of()), FMNIST, 2.0);
        assertTrue(l1b.startsWith("rethink-l1-ratio0.3-lenet-"), l1b);
        assertTrue(name(new SoftFilterPruning(0.3, Map.of(), Set.of()), FMNIST, null).startsWith("rethink-sfp-rate0.3-"));
        assertTrue(name(new WeightLevelPruning(0.8, false), FMNIST, null).startsWith("rethink-weight-percent0.8-"));
        // the same settings, the same directory (a rerun resumes); the cap or another data directory, another one
        assertEquals(l1, name(new L1NormPruning(null, 0.5, Map.of(), Set.of()), FMNIST, 2.0));
        assertNotEquals(l1, name(new L1NormPruning(null, 0.5, Map.of(), Set.of()), FMNIST, null));
        assertNotEquals(l1, name(new L1NormPruning(null, 0.5, Map.of(), Set.of()),
                new DataSpec("fashion-mnist", Path.of("/elsewhere/fmnist"), 0, 0), 2.0));
        // a per-space ratio changes only the digest
        String perSpace = name(new L1NormPruning(null, 0.5, Map.of("features.0", 0.25), Set.of()), FMNIST, 2.0);
        assertNotEquals(l1, perSpace);
        assertEquals(l1.substring(0, l1.lastIndexOf('-')), perSpace.substring(0, perSpace.lastIndexOf('-')));
    }
}
