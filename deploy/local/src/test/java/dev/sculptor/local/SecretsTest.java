package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
    @TempDir
    Path tmp;

    @Test
    void generatedOnceOwnerOnlyAndReadBackAfter() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        assertEquals("", Secrets.existingS3SecretKey(l), "status never creates one");
        String token = Secrets.adminToken(l);
        assertTrue(token.matches("[0-9a-f]{64}"), token);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(l.adminTokenFile())));
        assertEquals(token, Secrets.adminToken(l));
        String s3 = Secrets.s3SecretKey(l);
        assertNotEquals(token, s3);
        assertEquals(s3, Secrets.existingS3SecretKey(l));
    }
}
