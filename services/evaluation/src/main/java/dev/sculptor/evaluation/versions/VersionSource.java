package dev.sculptor.evaluation.versions;

/** Finds the checkpoint of a model version. */
public interface VersionSource {
    /**
     * @param field the request field holding the name, for error messages
     * @param name {@code models/{model}/versions/{version}}, a number or (where supported) an alias
     * @throws dev.sculptor.evaluation.service.EvaluationException NOT_FOUND, INVALID_ARGUMENT, UNAVAILABLE
     */
    ResolvedVersion resolve(String field, String name);
}
