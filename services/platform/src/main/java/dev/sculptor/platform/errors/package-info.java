/**
 * The services' one exception, {@link dev.sculptor.platform.errors.PlatformException}, carrying its
 * canonical gRPC code (mapped to a status in one place, {@code dev.sculptor.platform.grpc.GrpcCalls}), and
 * {@link dev.sculptor.platform.errors.Failures}, which sorts failures of the shared parts (store, datasets,
 * checkpoints) into those codes.
 */
package dev.sculptor.platform.errors;
