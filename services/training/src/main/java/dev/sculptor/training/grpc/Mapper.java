package dev.sculptor.training.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.training.store.RunRow;
import java.time.Instant;

/** Stored rows to the contract's messages. */
public final class Mapper {
    private Mapper() {}

    public static TrainingRun run(RunRow r) {
        TrainingRequested req = request(r);
        TrainingRun.Builder b = TrainingRun.newBuilder()
                .setName(r.name())
                .setRetrainMode(req.getRetrainMode())
                .setDataset(req.getDataset())
                .setPlan(req.getPlan())
                .setState(TrainingRun.State.valueOf(r.state()))
                .setCurrentEpoch(r.currentEpoch())
                .setEpochs(r.epochs())
                .setAttempts(r.attempts())
                .setFailureReason(r.failureReason())
                .setPruneJob(r.pruneJob())
                .setCreateTime(EngineProto.timestamp(r.createTime()))
                .setUpdateTime(EngineProto.timestamp(r.updateTime()));
        if (req.hasArch()) {
            b.setArch(req.getArch());
        } else if (!req.getModelVersion().isEmpty()) {
            b.setModelVersion(req.getModelVersion());
        }
        if (req.hasInitCheckpoint()) {
            b.setInitCheckpoint(req.getInitCheckpoint());
        }
        EpochProgress p = progress(r);
        if (p != null) {
            b.setProgress(p);
        }
        if (r.outputUri() != null) {
            b.setOutputCheckpoint(CheckpointRef.newBuilder().setUri(r.outputUri())
                    .setManifestSha256(r.outputSha256() == null ? "" : r.outputSha256()));
        }
        ModelMetrics m = metrics(r);
        if (m != null) {
            b.setMetrics(m);
        }
        if (r.startTime() != null) {
            b.setStartTime(EngineProto.timestamp(r.startTime()));
        }
        if (r.endTime() != null) {
            b.setEndTime(EngineProto.timestamp(r.endTime()));
        }
        return b.build();
    }

    /**
     * A CreateTrainingRun's run to the request the workers get, as a prune job would send it
     * (no {@code prune_job}); output-only fields are dropped.
     */
    public static TrainingRequested request(String name, TrainingRun t, Instant now) {
        TrainingRequested.Builder b = TrainingRequested.newBuilder()
                .setTrainingRun(name)
                .setRetrainMode(t.getRetrainMode())
                .setDataset(t.getDataset())
                .setPlan(t.getPlan())
                .setEpochs(t.getEpochs())
                .setOccurredTime(EngineProto.timestamp(now));
        if (t.hasArch()) {
            b.setArch(t.getArch());
        } else if (!t.getModelVersion().isEmpty()) {
            b.setModelVersion(t.getModelVersion());
        }
        if (t.hasInitCheckpoint()) {
            b.setInitCheckpoint(t.getInitCheckpoint());
        }
        return b.build();
    }

    public static TrainingRequested request(RunRow r) {
        try {
            return TrainingRequested.parseFrom(r.request());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored request of " + r.name() + " does not parse: " + e.getMessage(), e);
        }
    }

    public static EpochProgress progress(RunRow r) {
        if (r.progress() == null) {
            return null;
        }
        try {
            return EpochProgress.parseFrom(r.progress());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored progress of " + r.name() + " does not parse: " + e.getMessage(), e);
        }
    }

    public static ModelMetrics metrics(RunRow r) {
        if (r.metrics() == null) {
            return null;
        }
        try {
            return ModelMetrics.parseFrom(r.metrics());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored metrics of " + r.name() + " do not parse: " + e.getMessage(), e);
        }
    }

    public static String modeName(RetrainMode m) {
        return m == RetrainMode.UNRECOGNIZED ? RetrainMode.RETRAIN_MODE_UNSPECIFIED.name() : m.name();
    }

}
