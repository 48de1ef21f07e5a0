package dev.sculptor.pruning.clients;

import dev.sculptor.pruning.service.JobException;
import dev.sculptor.pruning.service.JobException.Code;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/** Channels to the other services with this service's bearer token, and their errors as {@link JobException}s. */
final class GrpcClients {
    private GrpcClients() {}

    static ManagedChannel channel(String target) {
        return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    }

    static <S extends AbstractStub<S>> S withToken(S stub, String token) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    /** The error of a call to {@code what} (e.g. "model registry at host:port"), keeping the callee's message. */
    static JobException error(String what, String configKey, StatusRuntimeException e) {
        String why = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case NOT_FOUND -> new JobException(Code.NOT_FOUND, why, e);
            case INVALID_ARGUMENT -> new JobException(Code.INVALID_ARGUMENT, why, e);
            case FAILED_PRECONDITION -> new JobException(Code.FAILED_PRECONDITION, why, e);
            // ALREADY_EXISTS: a registration with the same request id is in flight elsewhere; a retry returns its result
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNKNOWN, ALREADY_EXISTS ->
                    new JobException(Code.UNAVAILABLE, what + ": " + why, e);
            case UNAUTHENTICATED, PERMISSION_DENIED -> new JobException(Code.INTERNAL, "the " + what + " refused this service's token ("
                    + configKey + "): " + why, e);
            default -> new JobException(Code.INTERNAL, what + ": " + e.getStatus(), e);
        };
    }
}
