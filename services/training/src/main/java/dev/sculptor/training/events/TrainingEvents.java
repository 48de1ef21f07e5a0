package dev.sculptor.training.events;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.store.RunRow;
import java.time.Instant;

/**
 * The service's events on {@code sculptor.training.events.v1}: {@code TrainingProgress} after every
 * epoch and one {@code TrainingCompleted}, keyed by the prune job that asked (the run's own name
 * when none did) so one job's events stay in order; subject = the run.
 */
public final class TrainingEvents {
    public static final String SOURCE = "/sculptor/training";

    private TrainingEvents() {}

    public static EventEnvelope progress(RunRow r) {
        Instant now = r.updateTime() != null ? r.updateTime() : Instant.now();
        EpochProgress p = Mapper.progress(r);
        TrainingProgress.Builder b = TrainingProgress.newBuilder().setTrainingRun(r.name()).setPruneJob(r.pruneJob())
                .setOccurredTime(Mapper.timestamp(now));
        if (p != null) {
            b.setProgress(p);
        }
        return envelope(b.build(), r, now);
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
                .setOccurredTime(Mapper.timestamp(end));
        if (r.outputUri() != null) {
            b.setOutputCheckpoint(CheckpointRef.newBuilder().setUri(r.outputUri())
                    .setManifestSha256(r.outputSha256() == null ? "" : r.outputSha256()));
        }
        ModelMetrics m = Mapper.metrics(r);
        if (m != null) {
            b.setMetrics(m);
        }
        return envelope(b.build(), r, end);
    }

    private static EventEnvelope envelope(com.google.protobuf.Message m, RunRow r, Instant time) {
        EventEnvelope e = EventEnvelope.of(m, SOURCE, r.name(), r.eventKey());
        // ce_time equals the payload's occurred_time
        return new EventEnvelope(e.id(), e.type(), e.source(), time, e.subject(), e.key(), e.payload());
    }
}
