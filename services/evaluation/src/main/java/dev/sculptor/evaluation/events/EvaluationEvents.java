package dev.sculptor.evaluation.events;

import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.evaluation.grpc.Mapper;
import dev.sculptor.evaluation.store.EvaluationRow;
import dev.sculptor.platform.events.EventEnvelope;
import java.time.Instant;

/**
 * The service's event: {@code EvaluationCompleted} on {@code sculptor.evaluation.events.v1}, keyed by
 * the prune job that asked (the evaluation's own name when none did) so one job's events stay in order.
 */
public final class EvaluationEvents {
    public static final String SOURCE = "/sculptor/evaluation";

    private EvaluationEvents() {}

    public static EventEnvelope completed(EvaluationRow r) {
        Instant end = r.endTime() != null ? r.endTime() : Instant.now();
        EvaluationCompleted.Builder b = EvaluationCompleted.newBuilder()
                .setEvaluation(r.name())
                .setPruneJob(r.pruneJob())
                .setModelVersion(r.modelVersion())
                .setStatus(Evaluation.State.valueOf(r.state()))
                .setFailureReason(EvaluationRow.FAILED.equals(r.state()) ? r.stateMessage() : "")
                .setOccurredTime(EngineProto.timestamp(end));
        if (r.metrics() != null) {
            b.setMetrics(Mapper.metrics(r.metrics()));
        }
        String key = r.pruneJob().isEmpty() ? r.name() : r.pruneJob();
        EventEnvelope e = EventEnvelope.of(b.build(), SOURCE, r.name(), key);
        // ce_time equals the payload's occurred_time
        return new EventEnvelope(e.id(), e.type(), e.source(), end, e.subject(), e.key(), e.payload());
    }
}
