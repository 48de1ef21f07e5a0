package dev.sculptor.engine.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in lowercase hex, the form recorded in manifests; files are hashed in a streaming pass. */
public final class Sha256 {
    private static final int CHUNK = 1 << 16;

    private Sha256() {}

    /** Hash of the file's contents, read in 64 KiB chunks so that size does not matter. */
    public static String of(Path file) {
        return digest(file).sha256();
    }

    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    /**
     * Hash and byte count from the same pass, so that a manifest cannot pair the size of one version of a
     * file with the hash of another.
     */
    static Manifest.PartInfo digest(Path file) {
        MessageDigest md = newDigest();
        long total = 0;
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            int r;
            while ((r = in.read(buf)) >= 0) {
                md.update(buf, 0, r);
                total += r;
            }
        } catch (IOException e) {
            throw CheckpointException.io(file, "cannot read", e);
        }
        return new Manifest.PartInfo(HexFormat.of().formatHex(md.digest()), total);
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
