package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void oneTokenPerRoleAndTheS3SecretGeneratedOnceOwnerOnlyAndReadBackAfter() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        assertEquals("rwx------", mode(l.secrets()));
        assertEquals("", Secrets.existingS3SecretKey(l), "status never creates one");
        Secrets.Tokens tokens = Secrets.tokens(l);
        String s3 = Secrets.s3SecretKey(l);
        List<String> all = List.of(tokens.admin(), tokens.write(), tokens.read(), s3);
        assertEquals(4, new HashSet<>(all).size(), "all different");
        all.forEach(t -> assertTrue(t.matches("[0-9a-f]{64}"), t));
        for (String role : Secrets.ROLES) {
            Path f = l.tokenFile(role);
            assertEquals(l.secrets(), f.getParent());
            assertEquals("rw-------", mode(f));
            assertEquals(tokens.byRole().get(role), Files.readString(f).trim());
        }
        assertEquals("rw-------", mode(l.s3CredentialFile()));
        assertEquals(l.secrets(), l.s3CredentialFile().getParent());
        assertEquals(tokens, Secrets.tokens(l));
        assertEquals(s3, Secrets.s3SecretKey(l));
        assertEquals(s3, Secrets.existingS3SecretKey(l));
        assertEquals(tokens.admin() + ":admin," + tokens.write() + ":write," + tokens.read() + ":read", tokens.authTokens());
    }

    @Test
    void theDatabasePasswordIsGeneratedOnceOwnerOnlyInTheSecretsDirectory() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        assertEquals("", Secrets.existingPostgresPassword(l), "status never creates one");
        String pg = Secrets.postgresPassword(l);
        assertTrue(pg.matches("[0-9a-f]{64}"), pg);
        assertEquals(l.secrets(), l.postgresPasswordFile().getParent());
        assertEquals("rw-------", mode(l.postgresPasswordFile()));
        assertEquals(pg, Files.readString(l.postgresPasswordFile()).trim());
        assertEquals(pg, Secrets.postgresPassword(l));
        assertEquals(pg, Secrets.existingPostgresPassword(l));
        assertFalse(List.of(Secrets.s3SecretKey(l), Secrets.tokens(l).admin()).contains(pg));
    }

    @Test
    void aLostDatabasePasswordIsAnErrorWhenTheDataNeedsItAndNewWhenTheDataTrustedEveryone() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        Files.createDirectories(l.postgresData());
        Files.writeString(l.postgresData().resolve("PG_VERSION"), "14\n");
        Files.writeString(l.postgresData().resolve("pg_hba.conf"), "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n");
        LocalStack.StackException lost = assertThrows(LocalStack.StackException.class, () -> Secrets.postgresPassword(l));
        assertTrue(lost.getMessage().startsWith(l.postgresPasswordFile() + " is missing"), lost.getMessage());
        assertFalse(Files.exists(l.postgresPasswordFile()), "no new password that would not open the data");

        // An earlier version's data directory trusted every local connection: it takes the new password when it starts.
        Files.writeString(l.postgresData().resolve("pg_hba.conf"), "local   all all                trust\nhost all all 127.0.0.1/32 trust\n");
        String pg = Secrets.postgresPassword(l);
        assertEquals("rw-------", mode(l.postgresPasswordFile()));
        assertEquals(pg, Secrets.postgresPassword(l));
    }

    @Test
    void secretsKeptWhereEarlierVersionsPutThemMoveIntoTheSecretsDirectoryUnchanged() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(state.resolve("s3"));
        Files.writeString(state.resolve("admin.token"), "old-admin\n");
        Files.writeString(state.resolve("s3/credential"), "old-s3\n");
        Files.createDirectories(state.resolve("secrets"));
        Files.setPosixFilePermissions(state.resolve("secrets"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Layout l = Layout.create(state);
        assertEquals("rwx------", mode(l.secrets()), "an existing directory is made owner-only");
        assertEquals("old-s3", Secrets.existingS3SecretKey(l), "status reads the old place");
        assertEquals("old-admin", Secrets.tokens(l).admin());
        assertEquals("old-s3", Secrets.s3SecretKey(l));
        assertFalse(Files.exists(state.resolve("admin.token")));
        assertFalse(Files.exists(state.resolve("s3/credential")));
        assertEquals("rw-------", mode(l.adminTokenFile()));
        assertEquals("rw-------", mode(l.s3CredentialFile()));
    }
}
