package dev.sculptor.scoring.events;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.ProcessedEvents;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.proto.EngineProto;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.scoring.grpc.Mapper;
import dev.sculptor.scoring.service.Failures;
import dev.sculptor.scoring.service.VersionScorer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes {@code ScoringRequested} from {@code sculptor.scoring.requests.v1} (group {@code scoring})
 * with the platform's consumer (dedupe, retry with backoff, dead letters), scores the version, stores
 * the scores under {@code jobs/{job}/scores/} and emits {@code ScoresComputed} on
 * {@code sculptor.scoring.events.v1}, keyed by the job.
 *
 * <p>Stored objects: {@code scores.json}, the contract's {@code ScoreModelResponse} in proto3 JSON
 * ({@code JsonFormat}), {@code method.json}, the {@code MethodSpec} that was scored, and {@code plan.json}, the
 * engine's {@code PrunePlan} (the decision the pruning step applies to the same checkpoint). A request
 * that cannot succeed (unknown version, a method the engine does not score, a policy the architecture
 * refuses) produces a {@code ScoresComputed} with {@code failure_reason}; only an unreadable record
 * is dead-lettered. The service keeps no database: the emitted event's id is derived from the
 * request's, so a request redelivered after a restart yields an event downstream consumers already
 * deduplicate, and the stored objects are simply rewritten with the same content.
 */
@ApplicationScoped
public class ScoringWorker extends KafkaWorker {
    private static final Logger LOG = Logger.getLogger(ScoringWorker.class);
    public static final String GROUP = "scoring";
    public static final String SOURCE = "/sculptor/scoring";

    @ConfigProperty(name = "sculptor.scoring.worker.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "sculptor.scoring.worker.max-attempts", defaultValue = "5")
    int maxAttempts;

    @ConfigProperty(name = "sculptor.scoring.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-scoring")
    Path workDir;

    @Inject
    VersionScorer scorer;

    @Inject
    CheckpointStore store;

    private EventPublisher publisher;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        publisher = new EventPublisher(bootstrapServers(), "scoring-events", Duration.ofSeconds(30));
        return b.setGroupId(GROUP)
                .setTopics(Topics.SCORING_REQUESTS)
                .setHandler(this::handle)
                .optProcessedEvents(ProcessedEvents.inMemory(100_000))
                .optMaxAttempts(maxAttempts)
                .optBackoff(Duration.ofMillis(500), Duration.ofSeconds(30))
                .optMaxPollInterval(Duration.ofMinutes(30), 1);
    }

    @Override
    protected void closed() {
        publisher.close();
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    void handle(EventEnvelope e) {
        ScoringRequested req = payload(e, Topics.SCORING_REQUESTS, ScoringRequested.getDefaultInstance());
        String prefix = "jobs/" + id(ResourceNames.PRUNE_JOBS, "prune_job", req.getPruneJob()) + "/scores/";
        ScoresComputed.Builder out = ScoresComputed.newBuilder().setPruneJob(req.getPruneJob()).setModelVersion(req.getModelVersion());
        try {
            VersionScorer.Scored s = scorer.score("model_version", req.getModelVersion(), Mapper.method(req.getMethod()));
            put(prefix + "scores.json", Mapper.response(s.version(), s.scores()));
            put(prefix + "method.json", req.getMethod());
            put(prefix + PrunePlan.FILE, s.plan().toJson());
            out.setModelVersion(s.version()).setScoresUri(store.uri(prefix)).setSeconds(s.scores().seconds())
                    .setSamplesUsed(s.scores().samplesUsed());
        } catch (RuntimeException ex) {
            PlatformException se = Failures.classify(ex);
            if (se.transientFailure()) {
                throw se; // retried by the consumer
            }
            out.setFailureReason(se.getMessage());
        }
        Instant now = Instant.now();
        ScoresComputed event = out.setOccurredTime(EngineProto.timestamp(now)).build();
        String id = UUID.nameUUIDFromBytes(("sculptor.scoring/" + e.id()).getBytes(StandardCharsets.UTF_8)).toString();
        publisher.publish(Topics.SCORING_EVENTS, new EventEnvelope(id, EventEnvelope.typeOf(event), SOURCE, now, req.getPruneJob(),
                req.getPruneJob(), event.toByteArray()));
        LOG.infof("%s: %s %s", req.getPruneJob(), req.getModelVersion(), event.getFailureReason().isEmpty()
                ? "scored, " + event.getScoresUri() : "failed: " + event.getFailureReason());
    }

    private void put(String key, Message m) {
        try {
            put(key, JsonFormat.printer().print(m));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + store.uri(key) + ": " + ex.getMessage(), ex);
        }
    }

    private void put(String key, String json) {
        try {
            Files.createDirectories(workDir);
            Path f = Files.createTempFile(workDir, "scores-", ".json");
            try {
                Files.writeString(f, json, StandardCharsets.UTF_8);
                store.putFile(f, key);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + store.uri(key) + ": " + ex.getMessage(), ex);
        }
    }
}
