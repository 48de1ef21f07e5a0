package dev.sculptor.platform.versions;

/** Finds the checkpoint of a model version. */
public interface VersionSource {
    /**
     * @param field the request field holding the name, for error messages
     * @param name {@code models/{model}/versions/{version}}, a number or (where supported) an alias
     * @throws dev.sculptor.platform.errors.PlatformException INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION
     *     (not READY, outside this service's bucket), UNAVAILABLE (the registry is down), INTERNAL
     */
    ResolvedVersion resolve(String field, String name);
}
