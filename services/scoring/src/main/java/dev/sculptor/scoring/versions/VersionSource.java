package dev.sculptor.scoring.versions;

/**
 * Finds the checkpoint of a model version. (The same classes serve the evaluation service; they
 * belong in the platform once it takes a dependency on the proto module's registry client.)
 */
public interface VersionSource {
    /**
     * @param field the request field holding the name, for error messages
     * @param name {@code models/{model}/versions/{version}}, a number or (where supported) an alias
     * @throws dev.sculptor.scoring.service.ScoringException NOT_FOUND, INVALID_ARGUMENT, UNAVAILABLE
     */
    ResolvedVersion resolve(String field, String name);
}
