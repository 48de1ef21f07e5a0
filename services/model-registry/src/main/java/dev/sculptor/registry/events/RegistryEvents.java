package dev.sculptor.registry.events;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.AliasMoved;
import dev.sculptor.api.v1.ModelCreated;
import dev.sculptor.api.v1.ModelDeleted;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.VersionDeleted;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.engineproto.EngineProto;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.registry.store.Outgoing;
import java.time.Instant;
import java.util.List;

/** The registry's events, keyed by model name so one model's events stay in order. */
public final class RegistryEvents {
    public static final String SOURCE = "/sculptor/model-registry";

    private RegistryEvents() {}

    static Timestamp now() {
        return EngineProto.timestamp(Instant.now());
    }

    static List<Outgoing> one(Message payload, String model, String subject) {
        return List.of(new Outgoing(Topics.REGISTRY_EVENTS, EventEnvelope.of(payload, SOURCE, subject, "models/" + model)));
    }

    public static List<Outgoing> modelCreated(String model, String displayName, java.util.Map<String, String> labels) {
        return one(ModelCreated.newBuilder().setModel("models/" + model).setDisplayName(displayName).putAllLabels(labels)
                .setOccurredTime(now()).build(), model, "models/" + model);
    }

    /** The model and each of its versions (and aliases) removed with it. */
    public static List<Outgoing> modelDeleted(String model, List<String> versions, java.util.Map<String, Integer> aliases) {
        List<Outgoing> out = new java.util.ArrayList<>();
        aliases.forEach((a, n) -> out.addAll(aliasMoved(model, a, null, "models/" + model + "/versions/" + n)));
        versions.forEach(v -> out.addAll(versionDeleted(model, v)));
        out.addAll(modelDeleted(model, versions.size()));
        return out;
    }

    public static List<Outgoing> modelDeleted(String model, int versions) {
        return one(ModelDeleted.newBuilder().setModel("models/" + model).setDeletedVersions(versions).setOccurredTime(now())
                .build(), model, "models/" + model);
    }

    public static List<Outgoing> versionRegistered(String model, ModelVersion v) {
        return one(VersionRegistered.newBuilder().setModel("models/" + model).setVersion(v).setOccurredTime(now()).build(),
                model, v.getName());
    }

    public static List<Outgoing> versionDeleted(String model, String version) {
        return one(VersionDeleted.newBuilder().setModel("models/" + model).setModelVersion(version).setOccurredTime(now())
                .build(), model, version);
    }

    public static List<Outgoing> aliasMoved(String model, String alias, String version, String previous) {
        return one(AliasMoved.newBuilder().setModel("models/" + model).setAlias(alias).setModelVersion(version == null ? "" : version)
                .setPreviousVersion(previous == null ? "" : previous).setOccurredTime(now()).build(), model,
                "models/" + model + "/aliases/" + alias);
    }
}
