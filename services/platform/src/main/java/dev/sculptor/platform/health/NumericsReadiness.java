package dev.sculptor.platform.health;

import dev.sculptor.engine.numerics.Numerics;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * For services that compute with the engine ({@code sculptor.numerics.check=true} at build time): establishes at
 * start the kernel configuration proven exact on this machine (the engine's self-check, cached per machine), which
 * logs its one line, and is not ready while the machine's kernels compute wrongly in every configuration, so that no
 * wrong number leaves the service.
 */
@Readiness
@ApplicationScoped
@IfBuildProperty(name = "sculptor.numerics.check", stringValue = "true")
public class NumericsReadiness implements HealthCheck {
    void onStart(@Observes StartupEvent e) {
        Numerics.decision(); // logs its line (an error when refused)
    }

    @Override
    public HealthCheckResponse call() {
        Numerics.Decision d = Numerics.decision();
        var b = HealthCheckResponse.named("numerics").withData("machine", d.machine()).withData("source", d.source());
        return d.refused() ? b.down().withData("refusal", d.refusal()).build()
                : b.up().withData("configuration", d.chosen().describe()).build();
    }
}
