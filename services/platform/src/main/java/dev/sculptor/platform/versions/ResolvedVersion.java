package dev.sculptor.platform.versions;

/**
 * A version name resolved to its checkpoint in the store.
 *
 * @param name the numbered name, {@code models/{model}/versions/{n}}
 * @param prefix the key prefix of the checkpoint in the service's bucket, ending in {@code /}
 * @param manifestSha256 the manifest digest the registry recorded; null when read from the store alone
 * @param method the lineage's method as the registry knows it; null when unknown
 * @param retrainMode the lineage's retrain mode (a {@code RetrainMode} name); null when unknown
 */
public record ResolvedVersion(String name, String prefix, String manifestSha256, String method, String retrainMode) {}
