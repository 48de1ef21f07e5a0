/**
 * The one exception type of the shared code, carrying a canonical gRPC code; each service maps it
 * to its own exception and from there to a gRPC status.
 */
package dev.sculptor.platform.errors;
