package dev.sculptor.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.scoring.service.EngineScorer;
import dev.sculptor.scoring.service.MethodChoice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A scoring request that gives no sparsity lambda is planned with the engine's default for the network's family
 * (slimming: 1e-5 for PreResNet, 1e-4 for LeNet), as a prune job and the engine's commands are; a given one is kept.
 * Plain JUnit on {@link EngineScorer}: no service is booted.
 */
class SlimmingLambdaTest {
    static MethodChoice slimming(Double lambda) {
        return new MethodChoice("NETWORK_SLIMMING", "", null, Map.of(), List.of(), 0.3, lambda, false);
    }

    static double plannedLambda(String arch, List<Integer> input, Double lambda) {
        try (Network net = Network.create(Architectures.named(arch, input, 3), 1)) {
            return EngineScorer.plan(net, slimming(lambda)).settings().get("lambda").getAsDouble();
        }
    }

    @Test
    void anUnsetLambdaFollowsTheFamilyOfTheNetworkScored() {
        assertEquals(1e-5, plannedLambda("preresnet11", List.of(1, 8, 8), null));
        assertEquals(1e-4, plannedLambda("lenet", List.of(1, 28, 28), null));
        assertEquals(3e-4, plannedLambda("preresnet11", List.of(1, 8, 8), 3e-4));
    }
}
