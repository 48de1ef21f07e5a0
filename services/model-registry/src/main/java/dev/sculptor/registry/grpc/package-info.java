/**
 * The registry's edge: the {@code sculptor.v1.ModelRegistry} gRPC API. Requests are validated and their
 * resource names parsed here, rows and engine types become the contract's messages
 * ({@link dev.sculptor.registry.grpc.Mapper}), and refusals become canonical statuses; the rules themselves
 * live in {@link dev.sculptor.registry.service}, so protobuf never reaches them.
 */
package dev.sculptor.registry.grpc;
