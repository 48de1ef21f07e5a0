package dev.sculptor.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The stack's secrets: the admin token every service accepts and the S3 secret key. Each is generated once (32 random
 * bytes, hex) and kept in a file only its owner can read; later runs read it back.
 */
final class Secrets {
    private Secrets() {}

    static String adminToken(Layout l) throws IOException {
        return secret(l.adminTokenFile());
    }

    static String s3SecretKey(Layout l) throws IOException {
        return secret(l.s3CredentialFile());
    }

    /** The S3 secret key when one was generated, else "" (for status, which must not create one). */
    static String existingS3SecretKey(Layout l) throws IOException {
        return Files.isRegularFile(l.s3CredentialFile()) ? Files.readString(l.s3CredentialFile()).trim() : "";
    }

    /** Reads a secret kept in a file, or generates one (32 random bytes, hex) and keeps it with mode 600. */
    static String secret(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!s.isEmpty()) {
                return s;
            }
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String s = HexFormat.of().formatHex(b);
        writePrivate(file, s + "\n");
        return s;
    }

    /** Writes a file atomically with mode 600 (owner read/write only). */
    static void writePrivate(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
