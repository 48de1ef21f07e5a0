/**
 * The scoring service's edge: the {@code sculptor.v1.Scoring} gRPC API for people and tools, and the mapping
 * between the contract's messages and the service's plain types. Prune jobs ask through Kafka instead
 * ({@link dev.sculptor.scoring.events}); both reach the same {@link dev.sculptor.scoring.service} code.
 */
package dev.sculptor.scoring.grpc;
