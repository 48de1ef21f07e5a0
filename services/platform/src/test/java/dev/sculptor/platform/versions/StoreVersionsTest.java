package dev.sculptor.platform.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions read from the store at the registry's layout (S3Proxy). */
class StoreVersionsTest {
    static EmbeddedS3 s3;
    static CheckpointStore store;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start();
        store = new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), "versions-test");
        store.ensureBucket();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void numberedVersionsAreFoundByTheirManifestAndAliasesAreRefused(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("v"));
        Files.writeString(dir.resolve("manifest.json"), "{\"format\":1}");
        store.putDirectory(dir, "models/m/versions/2");
        StoreVersions versions = new StoreVersions(store);

        ResolvedVersion v = versions.resolve("f", "models/m/versions/2");
        assertEquals("models/m/versions/2", v.name());
        assertEquals("models/m/versions/2/", v.prefix());
        assertNull(v.manifestSha256());

        PlatformException missing = assertThrows(PlatformException.class, () -> versions.resolve("f", "models/m/versions/3"));
        assertEquals(Code.NOT_FOUND, missing.code());
        assertEquals("models/m/versions/3 not found", missing.getMessage());
        PlatformException alias = assertThrows(PlatformException.class, () -> versions.resolve("f", "models/m/versions/latest"));
        assertEquals(Code.INVALID_ARGUMENT, alias.code());
        assertTrue(alias.getMessage().startsWith("f: ") && alias.getMessage().contains("sculptor.registry.grpc"), alias.getMessage());
    }
}
