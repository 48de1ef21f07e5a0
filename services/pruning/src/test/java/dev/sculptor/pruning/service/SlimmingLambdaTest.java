package dev.sculptor.pruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.NetworkSlimming;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A prune job that gives no sparsity lambda takes the engine's default for the network's family (Network Slimming's
 * reference: 1e-4 for VGG, ResNet and LeNet, 1e-5 for PreResNet and DenseNet), as the engine's own commands do; a
 * given lambda is kept. Plain JUnit: the mapping is {@link Methods}, no service is booted.
 */
class SlimmingLambdaTest {
    static final MethodSpec UNSET = MethodSpec.newBuilder().setMethod(PruningMethod.NETWORK_SLIMMING).setPercent(0.3).build();
    static final MethodSpec GIVEN = UNSET.toBuilder().setSparsityLambda(3e-4).build();

    /** The lambda the job's plan records, made on a real (small) network of {@code spec}. */
    static double plannedLambda(MethodSpec s, ArchSpec spec) {
        try (Network net = Network.create(spec, 1)) {
            return Methods.plan(s, net, () -> null).settings().get("lambda").getAsDouble();
        }
    }

    @Test
    void anUnsetLambdaFollowsTheFamilyOfTheNetworkPruned() {
        ArchSpec preresnet = Architectures.named("preresnet11", List.of(1, 8, 8), 3);
        ArchSpec lenet = Architectures.named("lenet", List.of(1, 28, 28), 10);
        assertEquals("preresnet", preresnet.family());
        assertEquals(1e-5, plannedLambda(UNSET, preresnet));
        assertEquals(1e-4, plannedLambda(UNSET, lenet));
        assertEquals(3e-4, plannedLambda(GIVEN, preresnet), "a given lambda is the job's");
        // the engine's rule, by family, without building a network
        for (String arch : List.of("preresnet164", "vgg19-slim", "resnet56")) {
            ArchSpec spec = Architectures.named(arch, List.of(3, 32, 32), 10);
            assertEquals(NetworkSlimming.defaultLambda(spec.family()),
                    Methods.create(UNSET, spec, () -> null).settings().get("lambda").getAsDouble(), arch);
        }
        assertEquals(1e-5, Methods.create(UNSET, Architectures.named("preresnet164", List.of(3, 32, 32), 10), () -> null)
                .settings().get("lambda").getAsDouble());
        // validation knows no network yet: the contract's 1e-4
        assertEquals(1e-4, Methods.create(UNSET, () -> null).settings().get("lambda").getAsDouble());
    }
}
