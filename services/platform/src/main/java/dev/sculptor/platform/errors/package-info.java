/**
 * The one exception type of the shared code, carrying a canonical gRPC code; each service maps it
 * to its own exception and from there to a gRPC status. {@link dev.sculptor.platform.errors.CodedFailure}
 * is what every such exception offers the edge: a code named like gRPC's, and a message.
 */
package dev.sculptor.platform.errors;
