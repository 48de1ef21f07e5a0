package dev.sculptor.pruning.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.platform.errors.PlatformException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The contract's methods mapped onto the engine's registry by name. */
class MethodsTest {
    static final Set<PruningMethod> REAL = EnumSet.complementOf(EnumSet.of(PruningMethod.PRUNING_METHOD_UNSPECIFIED,
            PruningMethod.UNRECOGNIZED));

    @Test
    void everyContractMethodHasTheIdRecordedInLineage() {
        Map<PruningMethod, String> ids = REAL.stream().collect(Collectors.toMap(m -> m, Methods::id));
        assertEquals(Map.of(PruningMethod.L1_NORM, "l1-norm", PruningMethod.THINET, "thinet", PruningMethod.REGRESSION,
                "channel-regression", PruningMethod.NETWORK_SLIMMING, "network-slimming", PruningMethod.SPARSE_STRUCTURE_SELECTION,
                "sparse-structure-selection", PruningMethod.SOFT_FILTER_PRUNING, "soft-filter-pruning", PruningMethod.WEIGHT_LEVEL,
                "weight-level"), ids);
        assertEquals(Set.of(PruningMethod.THINET, PruningMethod.REGRESSION),
                REAL.stream().filter(m -> !Methods.scored(m)).collect(Collectors.toSet()));
        assertEquals("UNRECOGNIZED", Methods.id(PruningMethod.UNRECOGNIZED));
    }

    static PlatformException invalid(MethodSpec.Builder b) {
        return assertThrows(PlatformException.class, () -> Methods.validate(b.build()));
    }

    @Test
    void validationNamesTheFieldAtFault() {
        PlatformException e = invalid(MethodSpec.newBuilder());
        assertEquals(PlatformException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("is required (L1_NORM, THINET, REGRESSION, NETWORK_SLIMMING, "
                + "SPARSE_STRUCTURE_SELECTION, SOFT_FILTER_PRUNING or WEIGHT_LEVEL)"), e.getMessage());
        assertTrue(invalid(MethodSpec.newBuilder().setMethodValue(42)).getMessage().contains("unknown value 42"));
        e = invalid(MethodSpec.newBuilder().setMethod(PruningMethod.SPARSE_STRUCTURE_SELECTION).setPercent(0.3));
        assertEquals(PlatformException.Code.FAILED_PRECONDITION, e.code());
        assertTrue(e.getMessage().contains("keeps a preset depth ([resnet-41, resnet-32, resnet-26]), not a percent"),
                e.getMessage());
        e = invalid(MethodSpec.newBuilder().setMethod(PruningMethod.REGRESSION).setPreset("thinet-30"));
        assertTrue(e.getMessage().contains("method REGRESSION has no presets"), e.getMessage());
        e = invalid(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setPreset("nosuch"));
        assertEquals(PlatformException.Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("unknown L1 preset 'nosuch'"), e.getMessage());
        for (PruningMethod m : REAL) {
            Methods.validate(MethodSpec.newBuilder().setMethod(m).build());
        }
        assertNull(Methods.create(MethodSpec.newBuilder().setMethod(PruningMethod.THINET).build(), () -> null));
    }

    @Test
    void theContractsDefaults() {
        assertEquals(0.5, Methods.create(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).build(), () -> null)
                .settings().get("ratio").getAsDouble());
        assertEquals(1e-4, Methods.create(MethodSpec.newBuilder().setMethod(PruningMethod.NETWORK_SLIMMING).build(), () -> null)
                .settings().get("lambda").getAsDouble());
        assertEquals(0.8, Methods.create(MethodSpec.newBuilder().setMethod(PruningMethod.WEIGHT_LEVEL).build(), () -> null)
                .settings().get("percent").getAsDouble());
    }

    @Test
    void planThenApplyIsThePruning() {
        ArchSpec spec = new ArchSpec("vgg", "t", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5), null, null, null, null);
        MethodSpec l1 = MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.5).build();
        try (Network net = Network.create(spec, 3)) {
            PrunePlan plan = PrunePlan.fromJson(Methods.plan(l1, net, () -> null).toJson());
            PruneResult r = Methods.create(l1, () -> null).prune(net);
            try (Network applied = Methods.apply(plan, net); Network pruned = r.network()) {
                assertEquals(pruned.spec(), applied.spec());
                assertEquals(pruned.exportTensors(), applied.exportTensors());
                assertArrayEquals(r.kept().get("features.0"), plan.kept().get("features.0"));
            }
            PlatformException e = assertThrows(PlatformException.class, () -> Methods.plan(MethodSpec.newBuilder()
                    .setMethod(PruningMethod.THINET).build(), net, () -> null));
            assertEquals("thinet samples training data: the job's dataset gave none", e.getMessage());
        }
        assertFalse(Stream.of(PruningMethod.values()).filter(REAL::contains).anyMatch(m -> Methods.id(m).equals(m.name())));
    }
}
