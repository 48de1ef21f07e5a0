package dev.sculptor.pruning.clients;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import com.google.protobuf.FieldMask;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.UpdateVersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The model registry as jobs use it: resolve a version (aliases too), register results with lineage, and
 * tag the results of a job that did not succeed.
 */
@ApplicationScoped
public class RegistryClient {
    @ConfigProperty(name = "sculptor.registry.grpc")
    String target;

    @ConfigProperty(name = "sculptor.registry.token", defaultValue = "")
    String token;

    @ConfigProperty(name = "sculptor.registry.deadline", defaultValue = "PT60S")
    Duration deadline;

    private ManagedChannel channel;
    private ModelRegistryGrpc.ModelRegistryBlockingStub stub;

    @PostConstruct
    void init() {
        channel = GrpcClients.channel(target);
        stub = GrpcClients.withToken(ModelRegistryGrpc.newBlockingStub(channel), token);
    }

    void onStop(@Observes ShutdownEvent e) {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    private ModelRegistryGrpc.ModelRegistryBlockingStub call() {
        return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A version by number or alias. */
    public ModelVersion get(String name) {
        try {
            return call().getVersion(GetVersionRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            throw GrpcClients.error("model registry at " + target, "sculptor.registry.token", e);
        }
    }

    /**
     * Registers a checkpoint in the store as the model's next version; {@code requestId} makes a
     * retried step return the version the first try registered.
     */
    public ModelVersion register(String model, String checkpointUri, Lineage lineage, String description, String requestId) {
        try {
            return call().createVersion(CreateVersionRequest.newBuilder().setParent(model)
                    .setCheckpoint(CheckpointRef.newBuilder().setUri(checkpointUri)).setLineage(lineage).setDescription(description)
                    .addTags("sculptor-pruned").setRequestId(requestId).build());
        } catch (StatusRuntimeException e) {
            throw GrpcClients.error("model registry at " + target, "sculptor.registry.token", e);
        }
    }

    /**
     * Adds {@code tag} to a version's tags unless it has it (so a repeated call changes nothing); a version
     * deleted meanwhile is left alone. Through UpdateVersion, which changes only the tags here.
     */
    public void tag(String version, String tag) {
        try {
            ModelVersion v = call().getVersion(GetVersionRequest.newBuilder().setName(version).build());
            if (v.getTagsList().contains(tag)) {
                return;
            }
            call().updateVersion(UpdateVersionRequest.newBuilder().setVersion(ModelVersion.newBuilder().setName(v.getName())
                    .addAllTags(v.getTagsList()).addTags(tag)).setUpdateMask(FieldMask.newBuilder().addPaths("tags")).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return;
            }
            throw GrpcClients.error("model registry at " + target, "sculptor.registry.token", e);
        }
    }
}
