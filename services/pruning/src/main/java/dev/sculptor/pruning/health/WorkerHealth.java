package dev.sculptor.pruning.health;

import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.health.WorkerReadiness;
import dev.sculptor.pruning.events.PruningWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Kafka worker is consuming (when it is enabled). */
@Readiness
@ApplicationScoped
public class WorkerHealth extends WorkerReadiness {
    @Inject
    PruningWorker worker;

    public WorkerHealth() {
        super("pruning-worker");
    }

    @Override
    protected KafkaWorker worker() {
        return worker;
    }
}
