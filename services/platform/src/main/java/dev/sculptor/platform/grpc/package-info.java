/**
 * Plumbing every gRPC API of the services repeats: page tokens bound to their filter, a blocking
 * call whose failure becomes a canonical status, and streaming watches that poll storage.
 */
package dev.sculptor.platform.grpc;
