package dev.sculptor.training.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.PoisonEventException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.training.service.TrainingRuns;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Consumes {@code TrainingRequested} from {@code sculptor.training.requests.v1} (group
 * {@code training}) with the platform's consumer, one record per poll and a poll interval as long as
 * a training run: one run at a time per replica, scaled by replicas and partitions. The offset is
 * committed only after the run ended, so a replica killed mid-run leaves the request to be
 * redelivered, and the next replica resumes the run from its last epoch checkpoint. Event ids are
 * deduplicated in the database; a record that can never be handled (no CloudEvents headers, another
 * type, an unreadable payload or run name) goes to {@code sculptor.training.requests.v1.dlq}.
 */
@ApplicationScoped
public class TrainingWorker extends KafkaWorker {
    public static final String GROUP = "training";
    private static final String TYPE = TrainingRequested.getDescriptor().getFullName();
    private static final Pattern NAME = Pattern.compile("trainingRuns/([A-Za-z0-9][A-Za-z0-9._-]{0,127})");

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
        return enabled;
    }

    void handle(EventEnvelope e) {
        if (!TYPE.equals(e.type())) {
            throw new PoisonEventException("unexpected ce_type " + e.type() + " on " + Topics.TRAINING_REQUESTS + " (expected " + TYPE + ")");
        }
        TrainingRequested req;
        try {
            req = TrainingRequested.parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            throw new PoisonEventException("payload is not a " + TYPE + ": " + ex.getMessage(), ex);
        }
        Matcher m = NAME.matcher(req.getTrainingRun());
        if (!m.matches()) {
            throw new PoisonEventException("training_run: '" + req.getTrainingRun() + "' is not a resource name of the form "
                    + "trainingRuns/{run}");
        }
        runs.handleRequest(m.group(1), req, e.id());
    }
}
