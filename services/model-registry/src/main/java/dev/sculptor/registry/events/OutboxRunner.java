package dev.sculptor.registry.events;

import jakarta.enterprise.context.ApplicationScoped;

/** Publishes the outbox (the registry's events) for the life of the service. */
@ApplicationScoped
public class OutboxRunner extends dev.sculptor.platform.outbox.OutboxRunner {
    OutboxRunner() {
        super("model-registry-outbox");
    }
}
