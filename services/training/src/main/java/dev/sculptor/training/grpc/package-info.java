/**
 * The training service's edge: the {@code sculptor.v1.Training} gRPC API (create, get, list, cancel and watch
 * runs) with names, validation, page tokens and status mapping, and the mapping between stored rows, the
 * contract's messages and the engine's architecture.
 */
package dev.sculptor.training.grpc;
