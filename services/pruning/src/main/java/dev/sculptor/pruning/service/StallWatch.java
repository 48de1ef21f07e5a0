package dev.sculptor.pruning.service;

import dev.sculptor.api.v1.PruneJob.State;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.pruning.saga.SagaEvent;
import dev.sculptor.pruning.store.JobRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * A deadline for the states in which a job waits on another service's answer to a single request: SCORING
 * (one {@code ScoresComputed}) and EVALUATING (the {@code EvaluationCompleted}s). Those services dead-letter a
 * request that keeps failing without answering, and a job must not wait for that answer forever: after
 * {@code sculptor.pruning.stall-timeout} without any change it ends FAILED, naming what it waited for and where
 * the request may be. A job in PRUNING that has not moved within {@code sculptor.pruning.step.resend-after} (by
 * default the step's timeout, the longest a step may take) asks for its
 * step again (the request may have been dead-lettered, or sent before this service consumed such requests); the
 * step counts its starts and fails the job after too many. TRAINING has the training service's bounded attempts.
 * It also retries the registry tags of ended jobs' versions that were recorded but not yet applied.
 */
@ApplicationScoped
public class StallWatch {
    private static final Logger LOG = Logger.getLogger(StallWatch.class);

    @Inject
    JobRepository jobs;

    @Inject
    PruneJobs saga;

    @ConfigProperty(name = "sculptor.pruning.stall-timeout", defaultValue = "PT1H")
    Duration timeout;

    @ConfigProperty(name = "sculptor.pruning.step.resend-after", defaultValue = "${sculptor.pruning.step.timeout:PT30M}")
    Duration stepTimeout;

    @ConfigProperty(name = "sculptor.pruning.stall-check", defaultValue = "PT1M")
    Duration every;

    @ConfigProperty(name = "sculptor.pruning.worker.enabled", defaultValue = "true")
    boolean enabled;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "prune-job-stall-watch");
        t.setDaemon(true);
        return t;
    });

    void onStart(@Observes StartupEvent e) {
        if (enabled) {
            timer.scheduleWithFixedDelay(this::sweep, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        timer.shutdownNow();
    }

    void sweep() {
        try {
            for (String id : jobs.unchangedSince(List.of(State.SCORING.name(), State.EVALUATING.name()), Instant.now().minus(timeout))) {
                saga.apply(id, null, new SagaEvent.Stalled(timeout, reason(id)));
            }
            for (String id : jobs.unchangedSince(List.of(State.PRUNING.name()), Instant.now().minus(stepTimeout))) {
                String scores = jobs.find(id).map(JobRepository.Stored::scoresUri).orElse(null);
                LOG.warnf("pruneJobs/%s: no end of its pruning step within %s: asking for it again", id, stepTimeout);
                saga.apply(id, null, new SagaEvent.StepOverdue(stepTimeout, scores == null ? "" : scores));
            }
            // tags of ended jobs' versions that the registry did not take when the job ended
            saga.applyMarks(jobs.pendingMarks(null, Instant.now().minus(every)));
        } catch (RuntimeException e) {
            // the next sweep tries again (the database may be down)
            LOG.warnf("stall watch: %s", e.getMessage());
        }
    }

    private String reason(String id) {
        PruneJob j = jobs.find(id).map(JobRepository.Stored::job).orElse(null);
        if (j == null) {
            return "";
        }
        return j.getState() == State.SCORING
                ? "no ScoresComputed for " + j.getName() + " within " + timeout + " (see the scoring service's log and "
                        + "sculptor.scoring.requests.v1.dlq)"
                : "not every evaluation of " + j.getName() + " answered within " + timeout + " (see the evaluation service's "
                        + "log and sculptor.evaluation.requests.v1.dlq)";
    }
}
