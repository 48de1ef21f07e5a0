package dev.sculptor.training.events;

import dev.sculptor.training.kubernetes.LauncherMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Publishes the outbox (TrainingRequested from the API, TrainingProgress and TrainingCompleted) for the life of the
 * service. A run's pod (pod mode) only writes its rows: it may have no route to Kafka (the chart's NetworkPolicy
 * gives it none), and a publisher that cannot send would hold rows the service's own runner, polling the same
 * table every second, sends at once.
 */
@ApplicationScoped
public class OutboxRunner extends dev.sculptor.platform.outbox.OutboxRunner {
    @Inject
    LauncherMode mode;

    OutboxRunner() {
        super("training-outbox");
    }

    @Override
    protected boolean publishesHere() {
        return mode.podRun().isEmpty();
    }
}
