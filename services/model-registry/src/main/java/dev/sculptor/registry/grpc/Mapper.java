package dev.sculptor.registry.grpc;

import static dev.sculptor.engineproto.EngineProto.timestamp;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.registry.store.ModelRow;
import dev.sculptor.registry.store.VersionRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Rows and engine types to wire messages and back: the only place protobuf meets them. */
final class Mapper {
    private Mapper() {}

    static Model model(ModelRow m) {
        Model.Builder b = Model.newBuilder().setName("models/" + m.id()).setDisplayName(m.displayName())
                .setDescription(m.description()).putAllLabels(m.labels()).setCreateTime(timestamp(m.createTime()))
                .setUpdateTime(timestamp(m.updateTime())).setLatestVersionNumber(m.latestVersion());
        m.aliases().forEach((a, n) -> b.putAliases(a, n));
        return b.build();
    }

    static ModelVersion version(VersionRow v, String bucket, Map<String, Integer> aliases) {
        // params and flops the registry computed from the architecture itself: measured whatever the source
        ModelMetrics.Builder metrics = manifestMetrics(v.metrics()).setParams(v.params()).setFlops(v.flops());
        ModelVersion.Builder b = ModelVersion.newBuilder().setName(v.name()).setVersionNumber(v.number())
                .setDescription(v.description()).addAllTags(v.tags())
                .setArch(EngineProto.arch(dev.sculptor.engine.arch.ArchSpec.fromJson(v.archJson())))
                .setMetrics(metrics)
                .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://" + bucket + "/" + v.checkpointPrefix())
                        .setManifestSha256(v.manifestSha256()))
                .setSizeBytes(v.sizeBytes()).setState(ModelVersion.State.READY).setCreateTime(timestamp(v.createTime()))
                .setUpdateTime(timestamp(v.createTime()));
        if (!v.claimedMetrics().isEmpty()) {
            b.setClaimedMetrics(manifestMetrics(v.claimedMetrics()));
        }
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

    /** The accuracy and loss a manifest records (measured or claimed, as the caller decides). */
    private static ModelMetrics.Builder manifestMetrics(Map<String, Double> recorded) {
        ModelMetrics.Builder m = ModelMetrics.newBuilder();
        Double acc = recorded.get("accuracy");
        if (acc != null) {
            m.setAccuracy(acc);
        }
        Double loss = recorded.get("loss");
        if (loss != null) {
            m.setLoss(loss);
        }
        return m;
    }

    /** A lineage parent that no longer exists: its name, and that it was deleted. */
    static ModelVersion deleted(String name) {
        VersionName n = VersionName.parseNumbered("lineage.parent_version", name);
        return ModelVersion.newBuilder().setName(n.name()).setVersionNumber(n.number()).setState(ModelVersion.State.DELETED)
                .setStateMessage("deleted: its checkpoint and record are gone; versions derived from it keep its name as parent")
                .build();
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
        JsonObject o = new JsonObject();
        if (!l.getParentVersion().isEmpty()) {
            // the canonical name, so DeleteVersion finds the children of a version
            put(o, "parentVersion", VersionName.parseNumbered("lineage.parent_version", l.getParentVersion()).name());
        }
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
                throw PlatformException.invalid("lineage.settings", e.getMessage());
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
