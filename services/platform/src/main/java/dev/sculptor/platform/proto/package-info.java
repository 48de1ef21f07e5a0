/**
 * Mapping between the engine's types and the contract's protobuf messages ({@code sculptor.v1}):
 * architectures both ways, and instants as timestamps. Services map their own rows; what the
 * engine and the contract share is mapped once, here.
 */
package dev.sculptor.platform.proto;
