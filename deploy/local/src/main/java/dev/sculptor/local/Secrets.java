package dev.sculptor.local;

import dev.sculptor.embedded.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The stack's secrets: one bearer token per role that every service accepts, the S3 secret key and the password of
 * PostgreSQL's superuser. Each is generated
 * once (32 random bytes, hex) and kept in a file only its owner can read (600), in a directory only its owner can enter
 * (700); later runs read it back. They reach the processes through files and environment variables, never command
 * lines (which every local user can read through {@code ps}), and are never printed.
 */
final class Secrets {
    /** The roles a local token is made for, highest first (the names of services/platform's Role). */
    static final List<String> ROLES = List.of("admin", "write", "read");

    private Secrets() {}

    /** The three tokens, by role. */
    record Tokens(String admin, String write, String read) {
        /** {@code sculptor.auth.tokens} of every service: {@code <admin>:admin,<write>:write,<read>:read}. */
        String authTokens() {
            return byRole().entrySet().stream().map(e -> e.getValue() + ":" + e.getKey()).collect(Collectors.joining(","));
        }

        Map<String, String> byRole() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("admin", admin);
            m.put("write", write);
            m.put("read", read);
            return m;
        }

        List<String> values() {
            return List.of(admin, write, read);
        }
    }

    static Tokens tokens(Layout l) throws IOException {
        adopt(l.legacyAdminTokenFile(), l.adminTokenFile());
        return new Tokens(secret(l.tokenFile("admin")), secret(l.tokenFile("write")), secret(l.tokenFile("read")));
    }

    static String adminToken(Layout l) throws IOException {
        return tokens(l).admin();
    }

    static String s3SecretKey(Layout l) throws IOException {
        adopt(l.legacyS3CredentialFile(), l.s3CredentialFile());
        return secret(l.s3CredentialFile());
    }

    /** The S3 secret key when one was generated, else "" (for status, which must not create one). */
    static String existingS3SecretKey(Layout l) throws IOException {
        for (Path f : List.of(l.s3CredentialFile(), l.legacyS3CredentialFile())) {
            if (Files.isRegularFile(f)) {
                return Files.readString(f).trim();
            }
        }
        return "";
    }

    /**
     * The database password, generated on the first up. A data directory that already asks for a password was made with
     * the one this file held: a new one would lock the stack out of its own data, so its loss is an error. One made by
     * an earlier version (trusting every local connection) gets the new password when PostgreSQL starts.
     */
    static String postgresPassword(Layout l) throws IOException {
        Path f = l.postgresPasswordFile();
        boolean kept = Files.isRegularFile(f) && !Files.readString(f, StandardCharsets.UTF_8).isBlank();
        if (!kept && Files.exists(l.postgresData().resolve("PG_VERSION")) && !PostgresServer.trustsConnections(l.postgresData())) {
            throw new LocalStack.StackException(f + " is missing, and PostgreSQL's data directory " + l.postgresData()
                    + " needs the password it held: restore the file, or delete " + l.postgres() + " to start with empty databases");
        }
        return secret(f);
    }

    /** The database password when one was generated, else "" (for status, which must not create one). */
    static String existingPostgresPassword(Layout l) throws IOException {
        Path f = l.postgresPasswordFile();
        return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8).trim() : "";
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

    /** A secret kept where an earlier version put it moves into the secrets directory, so that it stays the same. */
    private static void adopt(Path legacy, Path file) throws IOException {
        if (Files.isRegularFile(legacy) && !Files.exists(file)) {
            writePrivate(file, Files.readString(legacy, StandardCharsets.UTF_8));
            Files.delete(legacy);
        }
    }

    /** Creates the directory if needed and makes it owner-only (700), whatever it was. */
    static void privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
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
