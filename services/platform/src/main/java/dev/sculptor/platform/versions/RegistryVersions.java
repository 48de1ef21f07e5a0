package dev.sculptor.platform.versions;

import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.names.VersionName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Versions resolved by the model registry's gRPC API ({@code GetVersion}): aliases are accepted,
 * only {@code READY} versions are served, and the checkpoint's manifest must have the digest the
 * registry recorded.
 */
public final class RegistryVersions implements VersionSource, AutoCloseable {
    private final ManagedChannel channel;
    private final ModelRegistryGrpc.ModelRegistryBlockingStub stub;
    private final String target;
    private final String bucket;
    private final Duration deadline;

    /**
     * @param target the registry's {@code host:port}
     * @param token a bearer token with at least the read role
     * @param bucket this service's bucket; a checkpoint elsewhere cannot be read
     */
    public RegistryVersions(String target, String token, String bucket, Duration deadline) {
        this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        this.stub = ModelRegistryGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        this.target = target;
        this.bucket = bucket;
        this.deadline = deadline;
    }

    @Override
    public ResolvedVersion resolve(String field, String name) {
        VersionName.parse(field, name);
        ModelVersion v;
        try {
            v = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .getVersion(GetVersionRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
            String why = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
            throw switch (e.getStatus().getCode()) {
                case NOT_FOUND -> new PlatformException(Code.NOT_FOUND, why, e);
                case INVALID_ARGUMENT -> PlatformException.invalid(field, why);
                case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED ->
                        new PlatformException(Code.UNAVAILABLE, "model registry at " + target + ": " + why, e);
                case UNAUTHENTICATED, PERMISSION_DENIED -> new PlatformException(Code.INTERNAL, "the model registry at " + target
                        + " refused this service's token (sculptor.registry.token): " + why, e);
                default -> new PlatformException(Code.INTERNAL, "model registry at " + target + ": " + e.getStatus(), e);
            };
        }
        if (v.getState() != ModelVersion.State.READY) {
            throw new PlatformException(Code.FAILED_PRECONDITION, v.getName() + " is " + v.getState() + ", not READY");
        }
        String uri = v.getCheckpoint().getUri();
        String expected = "s3://" + bucket + "/";
        if (!uri.startsWith(expected)) {
            throw new PlatformException(Code.FAILED_PRECONDITION, v.getName() + " is stored at " + uri
                    + ", outside this service's bucket " + bucket);
        }
        String prefix = uri.substring(expected.length());
        RetrainMode mode = v.getLineage().getRetrainMode();
        return new ResolvedVersion(v.getName(), prefix.endsWith("/") ? prefix : prefix + "/",
                v.getCheckpoint().getManifestSha256().isEmpty() ? null : v.getCheckpoint().getManifestSha256(),
                v.getLineage().getMethod().isEmpty() ? null : v.getLineage().getMethod(),
                mode == RetrainMode.RETRAIN_MODE_UNSPECIFIED || mode == RetrainMode.UNRECOGNIZED ? null : mode.name());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
