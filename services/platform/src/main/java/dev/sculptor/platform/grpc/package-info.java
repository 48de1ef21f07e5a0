/**
 * Plumbing every gRPC API of the services repeats: page tokens bound to their filter, a blocking
 * call whose failure becomes a canonical status (never with the database's text), streaming watches
 * that poll storage, and status messages sent as the gRPC spec encodes them.
 */
package dev.sculptor.platform.grpc;
