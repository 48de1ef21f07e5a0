/** The {@code sculptor.v1.Pruning} gRPC API: create, get, list, cancel and watch prune jobs; triggers. */
package dev.sculptor.pruning.grpc;
