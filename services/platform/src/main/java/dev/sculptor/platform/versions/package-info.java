/**
 * Model versions: their names ({@code models/{model}/versions/{version}}, AIP-122) resolved to
 * checkpoints in this service's bucket, through the model registry's gRPC API when
 * {@code sculptor.registry.grpc} is set (aliases, READY only, the recorded manifest digest), else
 * straight from the store at the layout the registry writes ({@code models/{model}/versions/{n}/},
 * numbers only); inject {@link dev.sculptor.platform.versions.VersionSource}. A resolved version (or
 * any stored checkpoint) is downloaded, verified and loaded with
 * {@link dev.sculptor.platform.versions.VersionCheckout}.
 */
package dev.sculptor.platform.versions;
