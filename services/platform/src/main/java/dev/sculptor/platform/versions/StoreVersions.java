package dev.sculptor.platform.versions;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.CheckpointStore;

/**
 * Versions read straight from the store, at the layout the registry writes
 * ({@code models/{model}/versions/{n}/}); integrity comes from the manifest's digests, checked
 * when the checkpoint is loaded. Aliases live in the registry's database, so they are refused here.
 */
public final class StoreVersions implements VersionSource {
    private final CheckpointStore store;

    public StoreVersions(CheckpointStore store) {
        this.store = store;
    }

    @Override
    public ResolvedVersion resolve(String field, String name) {
        VersionName ref = VersionName.parse(field, name);
        if (ref.number() == null) {
            throw PlatformException.invalid(field, "'" + name + "' names a version by alias; aliases are resolved by the model "
                    + "registry, which this service is not configured to call (sculptor.registry.grpc): use the version number");
        }
        if (!store.exists(ref.prefix() + "manifest.json")) {
            throw PlatformException.notFound(ref.numbered());
        }
        return new ResolvedVersion(ref.numbered(), ref.prefix(), null, null, null);
    }
}
