package dev.sculptor.training.events;

import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.training.kubernetes.KubernetesLauncher;
import dev.sculptor.training.kubernetes.LauncherMode;
import dev.sculptor.training.service.TrainingRuns;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Consumes {@code TrainingRequested} from {@code sculptor.training.requests.v1} (group
 * {@code training}) with the platform's consumer, one record per poll and a poll interval as long as
 * a training run: one run at a time per replica, scaled by replicas and partitions. The offset is
 * committed only after the run ended, so a replica killed mid-run leaves the request to be
 * redelivered, and the next replica resumes the run from its last epoch checkpoint. Event ids are
 * deduplicated in the database; a record that can never be handled (no CloudEvents headers, another
 * type, an unreadable payload or run name) goes to {@code sculptor.training.requests.v1.dlq}. With
 * {@code sculptor.training.launcher=kubernetes} it trains nothing: it records the run and creates its Job, and
 * the request is committed at once. Off in a training pod ({@code sculptor.training.pod.run}).
 */
@ApplicationScoped
public class TrainingWorker extends KafkaWorker {
    public static final String GROUP = "training";

    @ConfigProperty(name = "sculptor.training.worker.enabled", defaultValue = "true")
    boolean enabled;

    /** How soon a run whose replica died is handed to another replica (which resumes it from its last epoch). */
    @ConfigProperty(name = "sculptor.training.worker.session-timeout", defaultValue = "PT10S")
    Duration sessionTimeout;

    @ConfigProperty(name = "sculptor.training.worker.max-attempts", defaultValue = "5")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.training.worker.max-poll-interval", defaultValue = "PT12H")
    Duration maxPollInterval;

    @Inject
    AgroalDataSource ds;

    @Inject
    TrainingRuns runs;

    @Inject
    LauncherMode mode;

    @Inject
    KubernetesLauncher launcher;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        return b.setGroupId(GROUP)
                .setTopics(Topics.TRAINING_REQUESTS)
                .setHandler(this::handle)
                .optProcessedEvents(new JdbcProcessedEvents(ds))
                .optMaxAttempts(maxAttempts)
                .optBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1))
                // one run at a time, and a run may take hours
                .optMaxPollInterval(maxPollInterval, 1)
                .optSessionTimeout(sessionTimeout);
    }

    @Override
    public boolean enabled() {
        // a training pod trains only its own run
        return enabled && mode.podRun().isEmpty();
    }

    void handle(EventEnvelope e) {
        TrainingRequested req = payload(e, Topics.TRAINING_REQUESTS, TrainingRequested.getDefaultInstance());
        String id = id(ResourceNames.TRAINING_RUNS, "training_run", req.getTrainingRun());
        if (mode.kubernetes()) {
            launcher.request(id, req); // the run's Job trains it; the request is committed at once
        } else {
            runs.handleRequest(id, req, e.id());
        }
    }
}
