package dev.sculptor.training.events;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.KafkaWorker;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.kubernetes.LauncherMode;
import dev.sculptor.training.service.Plans;
import dev.sculptor.training.store.TrainingRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Records every requested run as {@code QUEUED} as soon as its request arrives (group
 * {@code training-queue}), while the worker (group {@code training}) may still be busy with an
 * earlier run: queued runs can then be read, listed, watched and cancelled. Recording is
 * idempotent (insert unless the run exists); a record it cannot read is left to the worker, which
 * dead-letters it. Its event ids are kept in memory only, so the worker never mistakes a request
 * for one it handled.
 */
@ApplicationScoped
public class QueueRecorder extends KafkaWorker {
    private static final Logger LOG = Logger.getLogger(QueueRecorder.class);
    public static final String GROUP = "training-queue";
    private static final String TYPE = TrainingRequested.getDescriptor().getFullName();

    @ConfigProperty(name = "sculptor.training.worker.enabled", defaultValue = "true")
    boolean enabled;

    @Inject
    TrainingRepository repo;

    @Inject
    LauncherMode mode;

    @Override
    protected EventConsumer.Builder configure(EventConsumer.Builder b) {
        return b.setGroupId(GROUP)
                .setTopics(Topics.TRAINING_REQUESTS)
                .setHandler(this::handle)
                .optMaxAttempts(1)
                // the worker's group reads every record too: one dead letter per poison record, not one per group
                .optLeaveDeadLettersTo(TrainingWorker.GROUP);
    }

    @Override
    public boolean enabled() {
        return enabled && mode.podRun().isEmpty();
    }

    void handle(EventEnvelope e) {
        if (!TYPE.equals(e.type())) {
            return;
        }
        TrainingRequested req;
        try {
            req = TrainingRequested.parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            return;
        }
        String id = ResourceNames.TRAINING_RUNS.idOrNull(req.getTrainingRun());
        if (id != null) {
            try {
                repo.create(id, req.toByteArray(), req.getModelVersion(), Mapper.modeName(req.getRetrainMode()),
                        req.getPruneJob(), Plans.epochs(req));
            } catch (RuntimeException ex) {
                // best effort: the worker records the run itself when it takes the request
                LOG.warnf("cannot record %s as queued: %s", req.getTrainingRun(), ex.getMessage());
            }
        }
    }
}
