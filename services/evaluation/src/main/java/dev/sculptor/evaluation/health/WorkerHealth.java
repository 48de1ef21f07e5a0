package dev.sculptor.evaluation.health;

import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.health.WorkerReadiness;
import dev.sculptor.evaluation.events.EvaluationWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Kafka worker is consuming (when it is enabled). */
@Readiness
@ApplicationScoped
public class WorkerHealth extends WorkerReadiness {
    @Inject
    EvaluationWorker worker;

    public WorkerHealth() {
        super("evaluation-worker");
    }

    @Override
    protected KafkaWorker worker() {
        return worker;
    }
}
