package dev.sculptor.platform.health;

import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.KafkaWorker;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Ready only while the service's Kafka worker is consuming (when it is enabled), with its handled
 * and dead-lettered counts. Not a bean itself: each service subclasses it as its readiness check.
 */
public abstract class WorkerReadiness implements HealthCheck {
    private final String name;

    protected WorkerReadiness(String name) {
        this.name = name;
    }

    protected abstract KafkaWorker worker();

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named(name);
        KafkaWorker worker = worker();
        if (!worker.enabled()) {
            return b.up().withData("enabled", false).build();
        }
        EventConsumer c = worker.consumer();
        boolean running = c != null && c.isRunning();
        return b.status(running).withData("handled", c == null ? 0 : c.handled()).withData("deadLettered", c == null ? 0
                : c.deadLettered()).build();
    }
}
