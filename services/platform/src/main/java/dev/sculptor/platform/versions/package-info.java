/**
 * Model version names ({@code models/{model}/versions/{version}}, AIP-122) to their checkpoints in
 * this service's bucket: through the model registry's gRPC API when {@code sculptor.registry.grpc}
 * is set (aliases, READY only, the recorded manifest digest), else straight from the store at the
 * layout the registry writes ({@code models/{model}/versions/{n}/}, numbers only). Inject
 * {@link dev.sculptor.platform.versions.VersionSource}.
 */
package dev.sculptor.platform.versions;
