package dev.sculptor.pruning.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.PruningRequested;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.PoisonEventException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.pruning.service.PruningStep;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Consumes the saga's pruning requests ({@code sculptor.pruning.requests.v1}, group {@code pruning-step}) on a
 * consumer of its own, so that a long pruning step (ThiNet samples activations) does not hold up the answers
 * {@link PruningWorker} applies meanwhile. One record per poll; a replica that dies mid-step leaves its
 * request uncommitted, and the group hands it to the next member after the session timeout.
 */
@ApplicationScoped
public class PruningStepWorker extends KafkaWorker {
    public static final String GROUP = "pruning-step";

    @ConfigProperty(name = "sculptor.pruning.worker.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "sculptor.pruning.worker.max-attempts", defaultValue = "30")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.pruning.step.timeout", defaultValue = "PT30M")
    Duration stepTimeout;

    @ConfigProperty(name = "sculptor.pruning.step.session-timeout", defaultValue = "PT10S")
    Duration sessionTimeout;

    @Inject
    AgroalDataSource ds;

    @Inject
    PruningStep step;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        return b.setGroupId(GROUP)
                .setTopics(Topics.PRUNING_REQUESTS)
                .setHandler(this::handle)
                .optProcessedEvents(new JdbcProcessedEvents(ds))
                .optMaxAttempts(maxAttempts)
                .optBackoff(Duration.ofMillis(500), Duration.ofSeconds(30))
                .optMaxPollInterval(stepTimeout, 1)
                .optSessionTimeout(sessionTimeout);
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    void handle(EventEnvelope e) {
        if (!e.type().equals(EventEnvelope.typeOf(PruningRequested.getDefaultInstance()))) {
            throw new PoisonEventException("unexpected ce_type " + e.type() + " (the pruning step consumes PruningRequested)");
        }
        PruningRequested r;
        try {
            r = PruningRequested.parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            throw new PoisonEventException("payload is not a " + e.type() + ": " + ex.getMessage(), ex);
        }
        step.run(r, e.id());
    }
}
