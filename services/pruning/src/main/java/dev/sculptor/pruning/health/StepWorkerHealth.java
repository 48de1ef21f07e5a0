package dev.sculptor.pruning.health;

import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.health.WorkerReadiness;
import dev.sculptor.pruning.events.PruningStepWorker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready and alive only while the pruning step's consumer runs (when the workers are enabled): without it PRUNING jobs
 * wait, and only a restart (which Kubernetes does on a failed liveness probe) brings it back.
 */
@Liveness
@Readiness
@ApplicationScoped
public class StepWorkerHealth extends WorkerReadiness {
    @Inject
    PruningStepWorker worker;

    public StepWorkerHealth() {
        super("pruning-step-worker");
    }

    @Override
    protected KafkaWorker worker() {
        return worker;
    }
}
