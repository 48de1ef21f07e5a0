package dev.sculptor.training.kubernetes;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.training.service.Failures;
import dev.sculptor.training.service.TrainingRuns;
import dev.sculptor.training.store.RunRow;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * A training Job's pod: the service started with {@code SCULPTOR_TRAINING_POD_RUN=<run id>}
 * ({@code sculptor.training.pod.run}) runs no Kafka consumer, trains that one run with the worker's code
 * (claim as owner = this pod's name, resume from the last epoch checkpoint, a checkpoint every epoch, progress
 * and completion through the outbox) and exits: 0 when the run ended (succeeded, failed or cancelled),
 * 1 otherwise (a part is down, or it stopped without ending), so the Job makes a new pod that resumes.
 * An earlier pod of the same Job is taken over at once: the launcher's Jobs make a new pod only when the
 * previous one is gone ({@code podReplacementPolicy: Failed}, one pod at a time).
 */
@ApplicationScoped
public class PodRun {
    private static final Logger LOG = Logger.getLogger(PodRun.class);
    public static final int ENDED = 0;
    public static final int RETRY = 1;

    @Inject
    LauncherMode mode;

    @Inject
    TrainingRuns runs;

    void onStart(@Observes StartupEvent e) {
        mode.podRun().ifPresent(run -> {
            // off the startup thread, so the HTTP server (health, metrics) serves while the run trains
            Thread t = new Thread(() -> Quarkus.asyncExit(run(run, runs.replicaId())), "training-pod");
            t.start();
        });
    }

    /**
     * Trains the run as the pod {@code pod}.
     *
     * @return the exit code: {@link #ENDED} or {@link #RETRY}
     */
    public int run(String runId, String pod) {
        try {
            ResourceNames.checkNewId("sculptor.training.pod.run", runId);
            RunRow r = runs.trainPod(runId, pod, JobTemplate.podPrefix(runId));
            if (r.terminal()) {
                LOG.infof("%s ended %s; pod %s exits", r.name(), r.state(), pod);
                return ENDED;
            }
            LOG.infof("%s stopped without ending (%s, owner %s); pod %s exits for the Job to retry", r.name(), r.state(), r.owner(), pod);
            return RETRY;
        } catch (RuntimeException e) {
            PlatformException p = Failures.classify(e);
            LOG.errorf("trainingRuns/%s: pod %s stops, the Job retries: %s", runId, pod, p.getMessage());
            return RETRY;
        }
    }
}
