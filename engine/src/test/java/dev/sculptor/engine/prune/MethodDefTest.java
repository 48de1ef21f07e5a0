package dev.sculptor.engine.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The registry: every name of a method leads to it, and its declarations are the ones the services relied on. */
class MethodDefTest {
    @Test
    void idsWordsAndEnumNamesAsRecordedAndTyped() {
        // the ids recorded in lineage, the words of both command lines, the contract's enum names
        Map<MethodDef, List<String>> names = Map.of(
                MethodDef.L1_NORM, List.of("l1-norm", "l1", "L1_NORM"),
                MethodDef.THINET, List.of("thinet", "thinet", "THINET"),
                MethodDef.REGRESSION, List.of("channel-regression", "regression", "REGRESSION"),
                MethodDef.NETWORK_SLIMMING, List.of("network-slimming", "slimming", "NETWORK_SLIMMING"),
                MethodDef.SPARSE_STRUCTURE_SELECTION, List.of("sparse-structure-selection", "sss", "SPARSE_STRUCTURE_SELECTION"),
                MethodDef.SOFT_FILTER_PRUNING, List.of("soft-filter-pruning", "sfp", "SOFT_FILTER_PRUNING"),
                MethodDef.WEIGHT_LEVEL, List.of("weight-level", "weight", "WEIGHT_LEVEL"));
        assertEquals(7, MethodDef.values().length);
        names.forEach((def, n) -> {
            assertEquals(n.get(0), def.id());
            assertEquals(n.get(1), def.word());
            for (String name : n) {
                assertEquals(def, MethodDef.byName(name), name);
                assertEquals(def, MethodDef.byName(" " + name.toUpperCase() + " "), name);
            }
            assertEquals(def, MethodDef.byName(def.name().toLowerCase()));
            assertFalse(def.paper().isBlank());
        });
        assertEquals(MethodDef.SOFT_FILTER_PRUNING, MethodDef.byName("soft-filter"));
        assertEquals("l1, thinet, regression, slimming, sss, sfp, weight", MethodDef.words());
        assertEquals(List.of("sfp", "soft-filter-pruning", "soft-filter", "SOFT_FILTER_PRUNING"),
                MethodDef.SOFT_FILTER_PRUNING.names());
    }

    @Test
    void unknownNamesAreRefusedWithTheWords() {
        ArchException e = assertThrows(ArchException.class, () -> MethodDef.byName("nosuch"));
        assertEquals("unknown method 'nosuch' (available: l1, thinet, regression, slimming, sss, sfp, weight)", e.getMessage());
        assertTrue(MethodDef.find("PRUNING_METHOD_UNSPECIFIED").isEmpty());
        assertTrue(MethodDef.find(null).isEmpty());
    }

    @Test
    void declarations() {
        assertEquals(Set.of(MethodDef.THINET, MethodDef.REGRESSION),
                Set.copyOf(Stream.of(MethodDef.values()).filter(MethodDef::needsData).toList()));
        assertEquals(Set.of(MethodDef.THINET, MethodDef.REGRESSION),
                Set.copyOf(Stream.of(MethodDef.values()).filter(d -> !d.scoredAhead()).toList()));
        assertEquals(Set.of(MethodDef.NETWORK_SLIMMING, MethodDef.SPARSE_STRUCTURE_SELECTION, MethodDef.WEIGHT_LEVEL),
                Set.copyOf(Stream.of(MethodDef.values()).filter(d -> d.amount() == MethodDef.Amount.PERCENT).toList()));
        assertEquals(0.5, MethodDef.NETWORK_SLIMMING.defaultPercent());
        assertEquals(0.8, MethodDef.WEIGHT_LEVEL.defaultPercent());
        assertNull(MethodDef.SPARSE_STRUCTURE_SELECTION.defaultPercent());
        assertFalse(MethodDef.SPARSE_STRUCTURE_SELECTION.takesPercent());
        assertEquals(0.5, MethodDef.DEFAULT_RATIO);
        assertEquals(1e-4, MethodDef.DEFAULT_LAMBDA);
        assertEquals(L1NormPruning.PRESETS, MethodDef.L1_NORM.presets());
        assertEquals(ThiNetPruning.PRESETS, MethodDef.THINET.presets());
        assertEquals(SparseStructureSelection.PRESETS, MethodDef.SPARSE_STRUCTURE_SELECTION.presets());
        assertTrue(MethodDef.REGRESSION.presets().isEmpty());
        assertEquals(MethodDef.Granularity.BLOCKS, MethodDef.SPARSE_STRUCTURE_SELECTION.granularity());
        assertEquals(MethodDef.Granularity.WEIGHTS, MethodDef.WEIGHT_LEVEL.granularity());
        assertEquals(MethodDef.Granularity.CHANNELS, MethodDef.THINET.granularity());
    }

    @Test
    void createsEachMethodWithTheContractsDefaults() {
        MethodSettings none = MethodSettings.ofContract(" ", null, Map.of(), List.of(), null, null, false);
        assertNull(none.preset());
        assertEquals(0.5, none.ratio());
        assertEquals(1e-4, none.lambda());
        for (MethodDef def : MethodDef.values()) {
            if (def.needsData()) {
                // the data is asked for, and the method is the registry's
                assertThrows(ArchException.class, () -> def.create(none, () -> null));
                continue;
            }
            PruningMethod m = def.create(none, () -> {
                throw new AssertionError(def + " asked for data");
            });
            assertEquals(def, m.def());
            assertEquals(def.word(), m.name());
        }
        assertEquals(0.5, MethodDef.NETWORK_SLIMMING.create(none, () -> null).settings().get("percent").getAsDouble());
        assertEquals(0.8, MethodDef.WEIGHT_LEVEL.create(none, () -> null).settings().get("percent").getAsDouble());
        assertEquals(0.3, MethodDef.WEIGHT_LEVEL.create(none.withPercent(0.3), () -> null).settings().get("percent").getAsDouble());
        assertInstanceOf(ThiNetPruning.class, MethodDef.THINET.create(none, () -> SampledPruningTest.tinyData(4, 1, 8, 8)));
        assertEquals("vgg16-a", MethodDef.L1_NORM.create(MethodSettings.ofContract(" vgg16-a ", null, Map.of(), List.of(), null,
                null, false), () -> null).settings().get("preset").getAsString());
        ArchException e = assertThrows(ArchException.class, () -> MethodDef.L1_NORM.create(
                MethodSettings.ofContract(null, 1.5, Map.of(), List.of(), null, null, false), () -> null));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    }
}
