package dev.sculptor.pruning.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.ModelCreated;
import dev.sculptor.api.v1.ModelDeleted;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.VersionDeleted;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.PoisonEventException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.pruning.service.PruneJobs;
import dev.sculptor.pruning.service.Triggers;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes what the saga waits for (group {@code pruning}): {@code ScoresComputed},
 * {@code TrainingProgress}, {@code TrainingCompleted}, {@code EvaluationCompleted}, and the registry's
 * {@code VersionRegistered} and {@code AliasMoved} for re-prune triggers. Event ids are deduplicated in
 * the database (each saga step marks its event in its own transaction); a failure that may pass is
 * retried with backoff; a record that can never be handled (no CloudEvents headers, a type that does
 * not belong on its topic, an unreadable payload) goes to the topic's {@code .dlq}. Events about jobs
 * this service does not know are ignored, since the topics are shared with other requesters.
 */
@ApplicationScoped
public class PruningWorker extends KafkaWorker {
    private static final Logger LOG = Logger.getLogger(PruningWorker.class);
    public static final String GROUP = "pruning";
    /** Registry events no trigger reacts to. */
    private static final Set<String> IGNORED = Set.of(type(ModelCreated.getDefaultInstance()), type(ModelDeleted.getDefaultInstance()),
            type(VersionDeleted.getDefaultInstance()));

    @ConfigProperty(name = "sculptor.pruning.worker.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "sculptor.pruning.worker.max-attempts", defaultValue = "30")
    int maxAttempts;

    @Inject
    AgroalDataSource ds;

    @Inject
    PruneJobs saga;

    @Inject
    Triggers triggers;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        return b.setGroupId(GROUP)
                .setTopics(Topics.SCORING_EVENTS, Topics.TRAINING_EVENTS, Topics.EVALUATION_EVENTS, Topics.REGISTRY_EVENTS)
                .setHandler(this::handle)
                .optProcessedEvents(new JdbcProcessedEvents(ds))
                .optMaxAttempts(maxAttempts)
                .optBackoff(Duration.ofMillis(500), Duration.ofSeconds(30))
                // one record per poll: a record retried through a long outage must not push its batch past the poll interval
                .optMaxPollInterval(Duration.ofMinutes(30), 1);
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    void handle(EventEnvelope e) {
        String t = e.type();
        try {
            if (t.equals(type(ScoresComputed.getDefaultInstance()))) {
                saga.onScores(parse(e, ScoresComputed.parser()), e.id());
            } else if (t.equals(type(TrainingProgress.getDefaultInstance()))) {
                saga.onTrainingProgress(parse(e, TrainingProgress.parser()), e.id());
            } else if (t.equals(type(TrainingCompleted.getDefaultInstance()))) {
                saga.onTrainingCompleted(parse(e, TrainingCompleted.parser()), e.id());
            } else if (t.equals(type(EvaluationCompleted.getDefaultInstance()))) {
                saga.onEvaluationCompleted(parse(e, EvaluationCompleted.parser()), e.id());
            } else if (t.equals(type(VersionRegistered.getDefaultInstance()))) {
                triggers.onVersionRegistered(parse(e, VersionRegistered.parser()), e.id());
            } else if (t.equals(type(AliasMoved.getDefaultInstance()))) {
                triggers.onAliasMoved(parse(e, AliasMoved.parser()), e.id());
            } else if (!IGNORED.contains(t)) {
                throw new PoisonEventException("unexpected ce_type " + t + " (the pruning service consumes ScoresComputed, "
                        + "TrainingProgress, TrainingCompleted, EvaluationCompleted, VersionRegistered and AliasMoved)");
            }
        } catch (PlatformException ex) {
            if (ex.transientFailure()) {
                throw ex; // the consumer retries with backoff
            }
            // a step that cannot succeed has already failed its job where it could; nothing to retry
            LOG.warnf("event %s (%s): %s", e.id(), t, ex.getMessage());
        }
    }

    private static <M extends Message> M parse(EventEnvelope e, Parser<M> parser) {
        try {
            return parser.parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            throw new PoisonEventException("payload is not a " + e.type() + ": " + ex.getMessage(), ex);
        }
    }

    private static String type(Message m) {
        return m.getDescriptorForType().getFullName();
    }
}
