package dev.sculptor.platform.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checking out real engine checkpoints from a real S3 (S3Proxy). */
class VersionCheckoutTest {
    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 28, 28), 10, List.of(4, 6), List.of(0), List.of(8),
            null, null, null, null);

    static EmbeddedS3 s3;
    static CheckpointStore store;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start();
        store = new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), "checkout-test");
        store.ensureBucket();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    /** Saves a seeded network with a lineage and uploads it under {@code prefix}; returns the local copy. */
    static Path upload(Path tmp, String prefix) {
        Path dir = tmp.resolve(prefix.replace('/', '_'));
        try (Network net = Network.create(TINY, 7)) {
            ModelCheckpoint.save(dir, net, new ModelCheckpoint.Info(new Manifest.Lineage("models/p/versions/1", "l1-norm", null),
                    Map.of()), null, null);
        }
        store.putDirectory(dir, prefix);
        return dir;
    }

    static long entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void aVersionIsDownloadedVerifiedLoadedAndCleanedUp(@TempDir Path tmp) throws Exception {
        Path local = upload(tmp, "models/m/versions/1");
        String sha = CheckpointStore.sha256(local.resolve("manifest.json"));
        Path work = tmp.resolve("work");
        Path dir;
        Network net;
        try (VersionCheckout c = VersionCheckout.open(store, new ResolvedVersion("models/m/versions/1", "models/m/versions/1/", sha,
                null, null), work)) {
            dir = c.dir();
            net = c.network();
            assertTrue(dir.startsWith(work) && Files.exists(dir.resolve("params.bin")), dir.toString());
            assertEquals(TINY, net.spec());
            assertEquals("l1-norm", c.manifest().lineage().method());
            assertEquals("s3://checkout-test/models/m/versions/1/", c.uri());
            assertEquals("s3://checkout-test/models/m/versions/1/params.bin: bad", c.rename(dir + "/params.bin: bad"));
        }
        assertFalse(Files.exists(dir), "the local copy is deleted on close");
        assertFalse(net.manager().isOpen(), "the network is closed with the checkout");
        assertEquals(0, entries(work));
    }

    @Test
    void aTakenNetworkOutlivesTheCheckout(@TempDir Path tmp) {
        upload(tmp, "models/m/versions/2");
        Path dir = tmp.resolve("exactly-here");
        Network net;
        try (VersionCheckout c = VersionCheckout.open(store, "models/m/versions/2", null, null, dir)) {
            assertEquals(dir, c.dir());
            net = c.takeNetwork();
            assertThrows(IllegalStateException.class, c::network);
        }
        try (Network n = net) {
            assertEquals(TINY, n.spec());
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void failuresHaveCodesAndNameTheStoredObjects(@TempDir Path tmp) throws Exception {
        upload(tmp, "models/m/versions/3");
        Path work = tmp.resolve("work");

        PlatformException other = assertThrows(PlatformException.class, () -> VersionCheckout.open(store,
                new ResolvedVersion("models/m/versions/3", "models/m/versions/3/", "ab12", null, null), work));
        assertEquals(Code.FAILED_PRECONDITION, other.code());
        assertTrue(other.getMessage().startsWith("s3://checkout-test/models/m/versions/3/manifest.json has SHA-256 ")
                && other.getMessage().endsWith(" but the registry recorded ab12"), other.getMessage());

        PlatformException missing = assertThrows(PlatformException.class, () -> VersionCheckout.open(store,
                new ResolvedVersion("models/m/versions/4", "models/m/versions/4/", null, null, null), work));
        assertEquals(Code.NOT_FOUND, missing.code());
        assertTrue(missing.getMessage().startsWith("s3://checkout-test/models/m/versions/4/"), missing.getMessage());

        // stored intact (the store's digest is of these bytes) but not the parameters its manifest lists
        Path bad = upload(tmp, "models/m/versions/5");
        byte[] params = Files.readAllBytes(bad.resolve("params.bin"));
        params[params.length - 1] ^= 1;
        Files.write(bad.resolve("params.bin"), params);
        store.putDirectory(bad, "models/m/versions/5");
        PlatformException unusable = assertThrows(PlatformException.class, () -> VersionCheckout.open(store,
                new ResolvedVersion("models/m/versions/5", "models/m/versions/5/", null, null, null), work));
        assertEquals(Code.FAILED_PRECONDITION, unusable.code());
        assertTrue(unusable.getMessage().startsWith("the stored checkpoint is unusable: ")
                && unusable.getMessage().contains("s3://checkout-test/models/m/versions/5/")
                && !unusable.getMessage().contains(work.toString()), unusable.getMessage());

        assertEquals(0, entries(work), "nothing is left behind by a failed checkout");
    }
}
