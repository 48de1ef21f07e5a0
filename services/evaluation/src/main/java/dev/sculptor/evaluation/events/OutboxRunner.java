package dev.sculptor.evaluation.events;

import jakarta.enterprise.context.ApplicationScoped;

/** Publishes the outbox (EvaluationCompleted events) for the life of the service. */
@ApplicationScoped
public class OutboxRunner extends dev.sculptor.platform.outbox.OutboxRunner {
    OutboxRunner() {
        super("evaluation-outbox");
    }
}
