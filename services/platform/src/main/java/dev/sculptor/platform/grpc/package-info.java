/**
 * Plumbing every gRPC API of the services repeats: page tokens bound to their filter, and running a
 * blocking call with its failure mapped to a canonical status.
 */
package dev.sculptor.platform.grpc;
