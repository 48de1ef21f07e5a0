/**
 * The services' one exception, {@link dev.sculptor.platform.errors.PlatformException}, carrying its
 * canonical gRPC code, and {@link dev.sculptor.platform.errors.Failures}, which sorts failures of the
 * shared parts (store, datasets, checkpoints) into those codes. {@link dev.sculptor.platform.errors.CodedFailure}
 * is what the gRPC edge needs of a failure: a code named like gRPC's, and a message.
 */
package dev.sculptor.platform.errors;
