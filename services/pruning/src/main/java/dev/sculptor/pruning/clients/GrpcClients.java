package dev.sculptor.pruning.clients;

import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/** Channels to the other services with this service's bearer token, and their errors as {@link PlatformException}s. */
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
    static PlatformException error(String what, String configKey, StatusRuntimeException e) {
        String why = e.getStatus().getDescription() == null ? e.getStatus().getCode().name() : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case NOT_FOUND -> new PlatformException(Code.NOT_FOUND, why, e);
            case INVALID_ARGUMENT -> new PlatformException(Code.INVALID_ARGUMENT, why, e);
            case FAILED_PRECONDITION -> new PlatformException(Code.FAILED_PRECONDITION, why, e);
            // ALREADY_EXISTS: a registration with the same request id is in flight elsewhere; a retry returns its result
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNKNOWN, ALREADY_EXISTS ->
                    new PlatformException(Code.UNAVAILABLE, what + ": " + why, e);
            case UNAUTHENTICATED, PERMISSION_DENIED -> new PlatformException(Code.INTERNAL, "the " + what + " refused this service's token ("
                    + configKey + "): " + why, e);
            default -> new PlatformException(Code.INTERNAL, what + ": " + e.getStatus(), e);
        };
    }
}
