package dev.sculptor.training.events;

import jakarta.enterprise.context.ApplicationScoped;

/** Publishes the outbox (TrainingRequested from the API, TrainingProgress and TrainingCompleted) for the life of the service. */
@ApplicationScoped
public class OutboxRunner extends dev.sculptor.platform.outbox.OutboxRunner {
    OutboxRunner() {
        super("training-outbox");
    }
}
