package dev.sculptor.training.health;

import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.health.WorkerReadiness;
import dev.sculptor.training.events.TrainingWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Kafka worker is consuming (when it is enabled). */
@Readiness
@ApplicationScoped
public class WorkerHealth extends WorkerReadiness {
    @Inject
    TrainingWorker worker;

    public WorkerHealth() {
        super("training-worker");
    }

    @Override
    protected KafkaWorker worker() {
        return worker;
    }
}
