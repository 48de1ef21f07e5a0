package dev.sculptor.platform.versions;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.platform.store.WorkDirs;
import java.nio.file.Path;

/**
 * A stored checkpoint checked out for use: downloaded into a local directory (every object's
 * SHA-256 verified by the store), its manifest's digest compared with the one recorded elsewhere
 * when there is one, and loaded into a {@link Network} by the engine (every part verified against the
 * manifest). Closing it closes the network (unless {@linkplain #takeNetwork taken}) and deletes the
 * directory. Failures are {@link PlatformException}s naming the stored objects, never the local copy:
 * NOT_FOUND (nothing stored there), UNAVAILABLE (the store or the disk is down), FAILED_PRECONDITION
 * (a corrupt or unusable checkpoint, another manifest than recorded).
 */
public final class VersionCheckout implements AutoCloseable {
    /** How {@link #open(CheckpointStore, ResolvedVersion, Path)} names the registry's digest in a mismatch. */
    public static final String REGISTRY_RECORDED = "the registry recorded";

    private final Path dir;
    private final String uri;
    private final Manifest manifest;
    private Network network;

    private VersionCheckout(Path dir, String uri, ModelCheckpoint.Loaded loaded) {
        this.dir = dir;
        this.uri = uri;
        this.manifest = loaded.manifest();
        this.network = loaded.network();
    }

    /** Checks out a resolved version into a new directory under {@code workDir}. */
    public static VersionCheckout open(CheckpointStore store, ResolvedVersion version, Path workDir) {
        return open(store, version.prefix(), version.manifestSha256(), REGISTRY_RECORDED, WorkDirs.createTemp(workDir, "checkpoint-"));
    }

    /**
     * Checks out the checkpoint under {@code prefix} into {@code dir} (created; deleted again on
     * failure and on close).
     *
     * @param manifestSha256 the digest its {@code manifest.json} must have; null: none recorded
     * @param recordedBy who recorded that digest, for the message, e.g. {@code "init_checkpoint.manifest_sha256 is"}
     */
    public static VersionCheckout open(CheckpointStore store, String prefix, String manifestSha256, String recordedBy, Path dir) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        String uri = store.uri(p);
        try {
            store.getDirectory(p, dir);
            if (manifestSha256 != null) {
                String actual = CheckpointStore.sha256(dir.resolve("manifest.json"));
                if (!actual.equalsIgnoreCase(manifestSha256)) {
                    throw PlatformException.precondition(store.uri(p + "manifest.json") + " has SHA-256 " + actual + " but "
                            + recordedBy + " " + manifestSha256);
                }
            }
            try {
                return new VersionCheckout(dir, uri, ModelCheckpoint.load(dir));
            } catch (CheckpointException e) {
                throw new PlatformException(Code.FAILED_PRECONDITION, Failures.UNUSABLE_CHECKPOINT + rename(e.getMessage(), dir, uri), e);
            }
        } catch (RuntimeException e) {
            WorkDirs.deleteTree(dir);
            // the store's failures carry their codes (NOT_FOUND, UNAVAILABLE, a corrupt object FAILED_PRECONDITION)
            throw e instanceof StoreException ? Failures.classify(e) : e;
        }
    }

    /** The loaded network; closed with the checkout. */
    public Network network() {
        if (network == null) {
            throw new IllegalStateException(uri + ": the network was taken");
        }
        return network;
    }

    /** Hands the network over: the caller closes it, the checkout no longer does. */
    public Network takeNetwork() {
        Network n = network();
        network = null;
        return n;
    }

    /** The checkpoint's manifest (lineage, metrics, training state). */
    public Manifest manifest() {
        return manifest;
    }

    /** The local copy. */
    public Path dir() {
        return dir;
    }

    /** {@code s3://bucket/prefix/} of the stored checkpoint. */
    public String uri() {
        return uri;
    }

    /** A message about the local copy, naming the stored checkpoint instead. */
    public String rename(String message) {
        return rename(message, dir, uri);
    }

    /** {@code message} with the local directory {@code dir} replaced by {@code uri} (ending in {@code /}). */
    public static String rename(String message, Path dir, String uri) {
        String where = uri.endsWith("/") ? uri : uri + "/";
        return message.replace(dir + "/", where).replace(dir.toString(), where);
    }

    @Override
    public void close() {
        try {
            if (network != null) {
                network.close();
                network = null;
            }
        } finally {
            WorkDirs.deleteTree(dir);
        }
    }
}
