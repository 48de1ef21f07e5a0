package dev.sculptor.engine.checkpoint;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A checkpoint directory as a whole: {@code manifest.json} plus the part files it lists.
 *
 * <p>Write the parts first (e.g. with {@link TensorFile#write}), then call {@link #write}, which records
 * their sizes and hashes and writes the manifest last. To replace an existing checkpoint, do all this in
 * {@link #newStagingDir a staging directory} and finish with {@link #replaceAtomically}.
 */
public final class CheckpointDir {
    public static final String MANIFEST = "manifest.json";
    public static final String PARAMS = "params.bin";
    public static final String MASKS = "masks.bin";
    public static final String OPTIMIZER = "optimizer.bin";

    /** Far above any real manifest; guards against reading a huge foreign file into memory. */
    private static final long MAX_MANIFEST_BYTES = 64L << 20;

    private CheckpointDir() {}

    /**
     * Completes a checkpoint whose parts are already written in {@code dir}: hashes every part, flushes
     * it to disk, and only then writes {@code manifest.json} atomically, so that a crash at any point
     * leaves either no manifest (an incomplete checkpoint, detected by readers) or one that names
     * complete parts.
     *
     * @param manifestWithoutParts everything but the parts; parts it already has are replaced
     * @param partFilesAlreadyWrittenInDir part name (the file name inside {@code dir}, e.g.
     *     {@code params.bin}) to its path, in the order the manifest should list them
     * @throws IllegalArgumentException if a name is not a plain file name or its path is not
     *     {@code dir/name}
     * @throws CheckpointException if a part is missing or cannot be read, or the manifest cannot be
     *     written
     */
    public static void write(Path dir, Manifest manifestWithoutParts,
            Map<String, Path> partFilesAlreadyWrittenInDir) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(manifestWithoutParts, "manifest");
        Map<String, Manifest.PartInfo> parts = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : partFilesAlreadyWrittenInDir.entrySet()) {
            String name = e.getKey();
            if (!Manifest.isValidPartName(name)) {
                throw new IllegalArgumentException("invalid part name '" + name
                        + "': must be a plain file name inside the checkpoint directory");
            }
            Path expected = dir.resolve(name);
            if (!Files.isRegularFile(expected)) {
                throw new CheckpointException(expected + ": part '" + name + "' does not exist");
            }
            Path given = Objects.requireNonNull(e.getValue(), "path of part '" + name + "'");
            try {
                if (!Files.exists(given) || !Files.isSameFile(given, expected)) {
                    throw new IllegalArgumentException("part '" + name + "' must be the file " + expected
                            + ", got " + given);
                }
                AtomicFiles.fsyncFile(expected);
            } catch (IOException ex) {
                throw CheckpointException.io(expected, "cannot read", ex);
            }
            parts.put(name, Sha256.digest(expected));
        }
        Manifest manifest = manifestWithoutParts.withParts(parts);
        byte[] json = (manifest.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve(MANIFEST), out -> out.write(json));
    }

    /**
     * Reads and validates {@code dir/manifest.json} without checking the parts: cheap, for listing
     * checkpoints. Loading one should use {@link #readVerified}.
     */
    public static Manifest readManifest(Path dir) {
        Objects.requireNonNull(dir, "dir");
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)
                    ? ": not a directory, not a Sculptor checkpoint" : ": no such checkpoint directory"));
        }
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(dir + ": no " + MANIFEST + ", not a Sculptor checkpoint");
        }
        String json;
        try {
            long size = Files.size(file);
            if (size > MAX_MANIFEST_BYTES) {
                throw new CheckpointException(file + ": " + size + " bytes, too large for a manifest");
            }
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file + ": not UTF-8 text, not a Sculptor manifest", e);
        } catch (IOException e) {
            throw CheckpointException.io(file, "cannot read", e);
        }
        return Manifest.fromJson(json, file.toString());
    }

    /**
     * Reads the manifest and checks that every part it lists exists with the recorded size and SHA-256
     * (each part is read once, streamed). The parts may then be read with {@link TensorFile#read}.
     *
     * @throws CheckpointException naming the manifest or the first bad part
     */
    public static Manifest readVerified(Path dir) {
        Manifest manifest = readManifest(dir);
        for (Map.Entry<String, Manifest.PartInfo> e : manifest.parts().entrySet()) {
            Path part = dir.resolve(e.getKey());
            Manifest.PartInfo recorded = e.getValue();
            if (!Files.exists(part, LinkOption.NOFOLLOW_LINKS)) {
                throw new CheckpointException(part + ": missing, but listed in " + MANIFEST
                        + ": the checkpoint is incomplete");
            }
            if (!Files.isRegularFile(part)) {
                throw new CheckpointException(part + ": not a regular file, but listed in " + MANIFEST);
            }
            Manifest.PartInfo actual = Sha256.digest(part);
            if (actual.bytes() != recorded.bytes()) {
                throw new CheckpointException(part + ": size mismatch (manifest " + recorded.bytes()
                        + " bytes, file " + actual.bytes() + " bytes): the file was truncated or replaced");
            }
            if (!actual.sha256().equals(recorded.sha256())) {
                throw new CheckpointException(part + ": SHA-256 mismatch (manifest "
                        + abbreviate(recorded.sha256()) + ", file " + abbreviate(actual.sha256())
                        + "): the file was modified or corrupted");
            }
        }
        return manifest;
    }

    /**
     * Creates an empty staging directory next to {@code target} (same parent, hence same file system,
     * which {@link #replaceAtomically} needs). Its name starts with a dot.
     */
    public static Path newStagingDir(Path target) {
        Path parent = AtomicFiles.parentOf(target);
        try {
            Files.createDirectories(parent);
            for (int attempt = 0; ; attempt++) {
                Path staging = parent.resolve("." + target.getFileName() + ".staging-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                try {
                    return Files.createDirectory(staging);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    if (attempt > 100) {
                        throw e;
                    }
                }
            }
        } catch (IOException e) {
            throw CheckpointException.io(parent, "cannot create a staging directory", e);
        }
    }

    /**
     * Moves the fully written checkpoint {@code staging} to {@code target}, replacing any checkpoint
     * there: old target renamed to a backup ({@code .<name>.replaced} beside it), staging renamed to
     * target, backup deleted. Both renames are atomic, so a reader sees the old checkpoint, the new one,
     * or (between the two renames, a window of one system call) no checkpoint, never a mixture. After a
     * crash in that window the old checkpoint survives as the backup; the next call cleans it up.
     *
     * <p>{@code staging} must contain a manifest (a cheap guard against swapping in an unfinished
     * directory) and be on the same file system as {@code target}; see {@link #newStagingDir}.
     *
     * @throws CheckpointException if a rename fails; the old target is then put back where possible
     */
    public static void replaceAtomically(Path staging, Path target) {
        Objects.requireNonNull(staging, "staging");
        Objects.requireNonNull(target, "target");
        if (!Files.isDirectory(staging)) {
            throw new CheckpointException(staging + ": staging directory does not exist");
        }
        if (!Files.isRegularFile(staging.resolve(MANIFEST))) {
            throw new CheckpointException(staging + ": no " + MANIFEST
                    + ", refusing to replace " + target + " with an incomplete checkpoint");
        }
        Path absTarget = target.toAbsolutePath().normalize();
        if (absTarget.equals(staging.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("staging and target are the same directory: " + target);
        }
        Path parent = AtomicFiles.parentOf(absTarget);
        Path backup = parent.resolve("." + absTarget.getFileName() + ".replaced");
        boolean targetExists = Files.exists(absTarget, LinkOption.NOFOLLOW_LINKS);
        try {
            if (targetExists && Files.exists(backup, LinkOption.NOFOLLOW_LINKS)) {
                // Left by an earlier replace that crashed after its second rename: stale.
                AtomicFiles.deleteRecursively(backup);
            }
            if (targetExists) {
                Files.move(absTarget, backup, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw CheckpointException.io(target, "cannot move the old checkpoint aside", e);
        }
        try {
            Files.move(staging, absTarget, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (targetExists) {
                try {
                    Files.move(backup, absTarget, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                    throw CheckpointException.io(target, "cannot move " + staging + " into place, and the "
                            + "old checkpoint is left at " + backup, e);
                }
            }
            String hint = e instanceof AtomicMoveNotSupportedException
                    ? " (staging and target must be on the same file system)" : "";
            throw CheckpointException.io(target, "cannot move " + staging + " into place" + hint, e);
        }
        AtomicFiles.fsyncDirectory(parent);
        AtomicFiles.fsyncDirectory(AtomicFiles.parentOf(staging));
        if (Files.exists(backup, LinkOption.NOFOLLOW_LINKS)) {
            try {
                AtomicFiles.deleteRecursively(backup);
            } catch (IOException ignored) {
                // The new checkpoint is in place; the next replace removes the leftover backup.
            }
        }
    }

    private static String abbreviate(String sha256) {
        return sha256.substring(0, 12) + "…";
    }
}
