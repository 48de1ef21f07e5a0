/**
 * Mapping between the engine's types and the contract's protobuf messages ({@code sculptor.v1}): architectures
 * both ways, and instants as timestamps. Services map their own rows; what the engine and the contract share is
 * mapped once, here, for the services and the CLI alike (a module of its own, since the CLI does not take the
 * platform's service dependencies).
 */
package dev.sculptor.engineproto;
