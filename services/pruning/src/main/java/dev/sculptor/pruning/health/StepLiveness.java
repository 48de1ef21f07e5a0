package dev.sculptor.pruning.health;

import dev.sculptor.pruning.service.PruningStep;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive only while the pruning-step thread runs (when the workers are enabled): without it PRUNING jobs wait
 * forever, and only a restart (which Kubernetes does on a failed liveness probe) brings it back.
 */
@Liveness
@ApplicationScoped
public class StepLiveness implements HealthCheck {
    @Inject
    PruningStep step;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("pruning-step");
        return step.enabled() ? b.status(step.isRunning()).build() : b.up().withData("enabled", false).build();
    }
}
