package dev.sculptor.evaluation.events;

import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.evaluation.service.Evaluations;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
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
        EvaluationRequested req = payload(e, Topics.EVALUATION_REQUESTS, EvaluationRequested.getDefaultInstance());
        evaluations.handleRequest(id(ResourceNames.EVALUATIONS, "evaluation", req.getEvaluation()), req.getPruneJob(), new Evaluations.Request(req.getModelVersion(),
                req.getDataset().getUri(), req.getDataset().getTestSubset(), 0, req.getMeasureLatency()), e.id());
    }
}
