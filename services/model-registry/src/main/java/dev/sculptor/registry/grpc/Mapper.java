package dev.sculptor.registry.grpc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.registry.service.RegistryException;
import dev.sculptor.registry.store.ModelRow;
import dev.sculptor.registry.store.VersionRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Rows and engine types to wire messages and back: the only place protobuf meets them. */
final class Mapper {
    private Mapper() {}

    static Timestamp ts(Instant i) {
        return i == null ? Timestamp.getDefaultInstance()
                : Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static Model model(ModelRow m) {
        Model.Builder b = Model.newBuilder().setName("models/" + m.id()).setDisplayName(m.displayName())
                .setDescription(m.description()).putAllLabels(m.labels()).setCreateTime(ts(m.createTime()))
                .setUpdateTime(ts(m.updateTime())).setLatestVersionNumber(m.latestVersion());
        m.aliases().forEach((a, n) -> b.putAliases(a, n));
        return b.build();
    }

    static ModelVersion version(VersionRow v, String bucket, Map<String, Integer> aliases) {
        ModelMetrics.Builder metrics = ModelMetrics.newBuilder().setParams(v.params()).setFlops(v.flops());
        Double acc = v.metrics().get("accuracy");
        if (acc != null) {
            metrics.setAccuracy(acc);
        }
        Double loss = v.metrics().get("loss");
        if (loss != null) {
            metrics.setLoss(loss);
        }
        ModelVersion.Builder b = ModelVersion.newBuilder().setName(v.name()).setVersionNumber(v.number())
                .setDescription(v.description()).addAllTags(v.tags())
                .setArch(arch(dev.sculptor.engine.arch.ArchSpec.fromJson(v.archJson())))
                .setMetrics(metrics)
                .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://" + bucket + "/" + v.checkpointPrefix())
                        .setManifestSha256(v.manifestSha256()))
                .setSizeBytes(v.sizeBytes()).setState(ModelVersion.State.READY).setCreateTime(ts(v.createTime()))
                .setUpdateTime(ts(v.createTime()));
        if (v.lineageJson() != null) {
            b.setLineage(lineage(v.lineageJson()));
        }
        aliases.forEach((a, n) -> {
            if (n == v.number()) {
                b.addAliases(a);
            }
        });
        return b.build();
    }

    static ArchSpec arch(dev.sculptor.engine.arch.ArchSpec s) {
        ArchSpec.Builder b = ArchSpec.newBuilder().setFamily(s.family()).setName(s.name()).addAllInputShape(s.inputShape())
                .setNumClasses(s.numClasses());
        if (s.convWidths() != null) {
            b.addAllConvWidths(s.convWidths());
        }
        if (s.poolAfter() != null) {
            b.addAllPoolAfter(s.poolAfter());
        }
        if (s.hidden() != null) {
            b.addAllHidden(s.hidden());
        }
        if (s.stem() != null) {
            b.setStem(s.stem());
        }
        if (s.stageWidths() != null) {
            b.addAllStageWidths(s.stageWidths());
        }
        if (s.blocks() != null) {
            s.blocks().forEach(w -> b.addBlocks(ArchSpec.BlockWidths.newBuilder().addAllWidths(w)));
        }
        if (s.selections() != null) {
            s.selections().forEach(sel -> b.addSelections(sel == null ? ArchSpec.ChannelSelection.newBuilder().setAll(true)
                    : ArchSpec.ChannelSelection.newBuilder().addAllChannels(sel)));
        }
        return b.build();
    }

    /** Stored lineage JSON to the wire message. */
    static Lineage lineage(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        Lineage.Builder b = Lineage.newBuilder();
        if (o.has("parentVersion")) {
            b.setParentVersion(o.get("parentVersion").getAsString());
        }
        if (o.has("pruneJob")) {
            b.setPruneJob(o.get("pruneJob").getAsString());
        }
        if (o.has("method")) {
            b.setMethod(o.get("method").getAsString());
        }
        if (o.has("triggerEventId")) {
            b.setTriggerEventId(o.get("triggerEventId").getAsString());
        }
        if (o.has("trainingRun")) {
            b.setTrainingRun(o.get("trainingRun").getAsString());
        }
        if (o.has("retrainMode")) {
            try {
                b.setRetrainMode(RetrainMode.valueOf(o.get("retrainMode").getAsString()));
            } catch (IllegalArgumentException ignored) {
                // a mode this version of the contract does not know stays unspecified
            }
        }
        if (o.has("settings") && o.get("settings").isJsonObject()) {
            Struct.Builder st = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(o.get("settings").toString(), st);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("stored lineage settings are not JSON: " + e.getMessage(), e);
            }
            b.setSettings(st);
        }
        return b.build();
    }

    /** Wire lineage to stored JSON; null when nothing is set. */
    static String lineageJson(Lineage l) {
        if (l == null || l.equals(Lineage.getDefaultInstance())) {
            return null;
        }
        if (!l.getParentVersion().isEmpty() && !l.getParentVersion().matches("models/[^/]+/versions/[0-9]+")) {
            throw RegistryException.invalid("lineage.parent_version", "'" + l.getParentVersion()
                    + "' must be models/{model}/versions/{number}");
        }
        JsonObject o = new JsonObject();
        put(o, "parentVersion", l.getParentVersion());
        put(o, "pruneJob", l.getPruneJob());
        put(o, "method", l.getMethod());
        put(o, "triggerEventId", l.getTriggerEventId());
        put(o, "trainingRun", l.getTrainingRun());
        if (l.getRetrainMode() != RetrainMode.RETRAIN_MODE_UNSPECIFIED) {
            o.addProperty("retrainMode", l.getRetrainMode().name());
        }
        if (l.hasSettings()) {
            try {
                o.add("settings", JsonParser.parseString(JsonFormat.printer().print(l.getSettings())));
            } catch (InvalidProtocolBufferException e) {
                throw RegistryException.invalid("lineage.settings", e.getMessage());
            }
        }
        return o.toString();
    }

    private static void put(JsonObject o, String k, String v) {
        if (v != null && !v.isEmpty()) {
            o.addProperty(k, v);
        }
    }

    static List<String> copy(List<String> l) {
        return new ArrayList<>(l);
    }
}
