package dev.sculptor.training.events;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.store.RunRow;
import java.time.Instant;

/**
 * The service's events on {@code sculptor.training.events.v1}: {@code TrainingProgress} after every
 * epoch and one {@code TrainingCompleted}, keyed by the prune job that asked (the run's own name
 * when none did) so one job's events stay in order; subject = the run. And the
 * {@code TrainingRequested} that CreateTrainingRun sends its workers on {@code sculptor.training.requests.v1}.
 */
public final class TrainingEvents {
    public static final String SOURCE = "/sculptor/training";

    private TrainingEvents() {}

    public static EventEnvelope progress(RunRow r) {
        Instant now = r.updateTime() != null ? r.updateTime() : Instant.now();
        EpochProgress p = Mapper.progress(r);
        TrainingProgress.Builder b = TrainingProgress.newBuilder().setTrainingRun(r.name()).setPruneJob(r.pruneJob())
                .setOccurredTime(EngineProto.timestamp(now));
        if (p != null) {
            b.setProgress(p);
        }
        return envelope(b.build(), r.name(), r.eventKey(), now);
    }

    public static EventEnvelope completed(RunRow r) {
        Instant end = r.endTime() != null ? r.endTime() : Instant.now();
        TrainingCompleted.Builder b = TrainingCompleted.newBuilder()
                .setTrainingRun(r.name())
                .setPruneJob(r.pruneJob())
                .setStatus(TrainingRun.State.valueOf(r.state()))
                .setFailureReason(RunRow.FAILED.equals(r.state()) ? r.failureReason() : "")
                .setEpochs(r.currentEpoch())
                .setAttempts(r.attempts())
                .setOccurredTime(EngineProto.timestamp(end));
        if (r.outputUri() != null) {
            b.setOutputCheckpoint(CheckpointRef.newBuilder().setUri(r.outputUri())
                    .setManifestSha256(r.outputSha256() == null ? "" : r.outputSha256()));
        }
        ModelMetrics m = Mapper.metrics(r);
        if (m != null) {
            b.setMetrics(m);
        }
        return envelope(b.build(), r.name(), r.eventKey(), end);
    }

    /** A run asked for through the API: keyed by the run (no job asked), ce_time = occurred_time. */
    public static EventEnvelope requested(TrainingRequested r) {
        return envelope(r, r.getTrainingRun(), r.getTrainingRun(),
                Instant.ofEpochSecond(r.getOccurredTime().getSeconds(), r.getOccurredTime().getNanos()));
    }

    private static EventEnvelope envelope(com.google.protobuf.Message m, String subject, String key, Instant time) {
        EventEnvelope e = EventEnvelope.of(m, SOURCE, subject, key);
        // ce_time equals the payload's occurred_time
        return new EventEnvelope(e.id(), e.type(), e.source(), time, e.subject(), e.key(), e.payload());
    }
}
