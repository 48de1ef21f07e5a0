package dev.sculptor.evaluation.grpc;

import static dev.sculptor.engineproto.EngineProto.timestamp;

import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.evaluation.service.Measurement;
import dev.sculptor.evaluation.store.EvaluationRow;

/** Stored rows and measurements to the contract's messages. */
public final class Mapper {
    private Mapper() {}

    public static Evaluation evaluation(EvaluationRow r) {
        Evaluation.Builder b = Evaluation.newBuilder()
                .setName(r.name())
                .setModelVersion(r.modelVersion())
                .setDataset(DatasetRef.newBuilder().setUri(r.datasetUri()).setTestSubset(r.testSubset()))
                .setState(Evaluation.State.valueOf(r.state()))
                .setStateMessage(r.stateMessage())
                .setPruneJob(r.pruneJob())
                .setCreateTime(timestamp(r.createTime()));
        if (r.metrics() != null) {
            b.setMetrics(metrics(r.metrics()));
        }
        if (r.endTime() != null) {
            b.setEndTime(timestamp(r.endTime()));
        }
        return b.build();
    }

    public static ModelMetrics metrics(Measurement m) {
        ModelMetrics.Builder b = ModelMetrics.newBuilder().setParams(m.params()).setFlops(m.flops())
                .setEvaluatedExamples(m.examples()).setLatencyBatchSize(m.latencyBatch());
        if (Double.isFinite(m.accuracy())) {
            b.setAccuracy(m.accuracy());
        }
        if (Double.isFinite(m.loss())) {
            b.setLoss(m.loss());
        }
        if (m.latencyMs() != null) {
            b.setLatencyMs(m.latencyMs());
        }
        if (m.imagesPerSecond() != null) {
            b.setImagesPerSecond(m.imagesPerSecond());
        }
        return b.build();
    }
}
