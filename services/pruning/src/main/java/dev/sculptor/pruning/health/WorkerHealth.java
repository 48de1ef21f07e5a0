package dev.sculptor.pruning.health;

import dev.sculptor.pruning.events.PruningWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Kafka worker is consuming (when it is enabled). */
@Readiness
@ApplicationScoped
public class WorkerHealth implements HealthCheck {
    @Inject
    PruningWorker worker;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("pruning-worker");
        if (!worker.enabled()) {
            return b.up().withData("enabled", false).build();
        }
        var c = worker.consumer();
        boolean running = c != null && c.isRunning();
        return b.status(running).withData("handled", c == null ? 0 : c.handled()).withData("deadLettered", c == null ? 0
                : c.deadLettered()).build();
    }
}
