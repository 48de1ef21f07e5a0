package dev.sculptor.platform.errors;

/**
 * A failure whose code is a constant of an enum named like the canonical gRPC code it stands for,
 * so the edge maps it by name ({@code dev.sculptor.platform.grpc.GrpcCalls#status}).
 * {@link PlatformException} is the services' one such failure.
 */
public interface CodedFailure {
    Enum<?> code();

    String getMessage();
}
