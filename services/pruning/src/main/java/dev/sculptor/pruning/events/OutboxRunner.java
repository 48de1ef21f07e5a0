package dev.sculptor.pruning.events;

import jakarta.enterprise.context.ApplicationScoped;

/** Publishes the outbox (the saga's requests and PruneJobStateChanged events) for the life of the service. */
@ApplicationScoped
public class OutboxRunner extends dev.sculptor.platform.outbox.OutboxRunner {
    OutboxRunner() {
        super("pruning-outbox");
    }
}
