package dev.sculptor.evaluation.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.evaluation.service.Evaluations;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.PoisonEventException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Consumes {@code EvaluationRequested} from {@code sculptor.evaluation.requests.v1} (group
 * {@code evaluation}) with the platform's consumer: event ids are deduplicated in the database, a
 * failure that may pass is retried with backoff, and a record that can never be handled (no
 * CloudEvents headers, another type, an unreadable payload or evaluation name) goes to
 * {@code sculptor.evaluation.requests.v1.dlq}. A request that is valid but cannot succeed (unknown
 * version, missing dataset) ends its evaluation FAILED with an {@code EvaluationCompleted} saying why.
 */
@ApplicationScoped
public class EvaluationWorker extends KafkaWorker {
    public static final String GROUP = "evaluation";
    private static final String TYPE = EvaluationRequested.getDescriptor().getFullName();
    private static final Pattern NAME = Pattern.compile("evaluations/([A-Za-z0-9][A-Za-z0-9._-]{0,127})");

    @ConfigProperty(name = "sculptor.evaluation.worker.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "sculptor.evaluation.worker.max-attempts", defaultValue = "5")
    int maxAttempts;

    @Inject
    AgroalDataSource ds;

    @Inject
    Evaluations evaluations;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        return b.setGroupId(GROUP)
                .setTopics(Topics.EVALUATION_REQUESTS)
                .setHandler(this::handle)
                .optProcessedEvents(new JdbcProcessedEvents(ds))
                .optMaxAttempts(maxAttempts)
                .optBackoff(Duration.ofMillis(500), Duration.ofSeconds(30))
                // one request at a time, and a big model on a big test set may take a while
                .optMaxPollInterval(Duration.ofMinutes(30), 1);
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    void handle(EventEnvelope e) {
        if (!TYPE.equals(e.type())) {
            throw new PoisonEventException("unexpected ce_type " + e.type() + " on " + Topics.EVALUATION_REQUESTS + " (expected " + TYPE + ")");
        }
        EvaluationRequested req;
        try {
            req = EvaluationRequested.parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            throw new PoisonEventException("payload is not a " + TYPE + ": " + ex.getMessage(), ex);
        }
        Matcher m = NAME.matcher(req.getEvaluation());
        if (!m.matches()) {
            throw new PoisonEventException("evaluation: '" + req.getEvaluation() + "' is not a resource name of the form "
                    + "evaluations/{evaluation}");
        }
        evaluations.handleRequest(m.group(1), req.getPruneJob(), new Evaluations.Request(req.getModelVersion(),
                req.getDataset().getUri(), req.getDataset().getTestSubset(), 0, req.getMeasureLatency()), e.id());
    }
}
