package dev.sculptor.platform.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.testing.EmbeddedS3;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint store against a real S3 server (S3Proxy) through the MinIO client. */
class CheckpointStoreTest {
    static EmbeddedS3 s3;
    static CheckpointStore store;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start();
        store = new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), "ckpt-test");
        store.ensureBucket();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    /**
     * The race of two creators: the bucket did not exist when this replica looked, and someone else (the local stack's S3
     * process, another replica) created it before this replica's makeBucket. That counts as created.
     */
    @Test
    void aBucketCreatedByAnotherSinceTheCheckCountsAsCreated() throws Exception {
        String bucket = "created-meanwhile";
        CheckpointStore late = new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), bucket);
        s3.createBucket(bucket); // the other creator wins
        // what the store answers a second creator, which ensureBucket's makeBucket used to pass on as a failure
        MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
        ErrorResponseException refused = assertThrows(ErrorResponseException.class,
                () -> minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build()));
        assertEquals("BucketAlreadyOwnedByYou", refused.errorResponse().code());

        late.makeBucket();
        late.ensureBucket();
        assertTrue(late.bucketExists());
    }

    @Test
    void directoriesRoundTripByteIdenticalWithMultipart(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] big = new byte[40 << 20]; // above the 16 MiB part size: a multipart upload
        new Random(1).nextBytes(big);
        Files.write(src.resolve("params.bin"), big);
        Files.writeString(src.resolve("manifest.json"), "{\"format\":1}");
        Map<String, String> shas = store.putDirectory(src, "models/m/versions/1");
        assertEquals(CheckpointStore.sha256(src.resolve("params.bin")), shas.get("params.bin"));
        assertEquals(List.of("manifest.json", "params.bin"), store.list("models/m/versions/1").stream().sorted().toList());
        Path dst = tmp.resolve("dst");
        store.getDirectory("models/m/versions/1/", dst);
        assertArrayEquals(big, Files.readAllBytes(dst.resolve("params.bin")));
        store.copyPrefix("models/m/versions/1", "models/m/versions/2");
        assertEquals(shas.get("params.bin"), store.sha256Of("models/m/versions/2/params.bin"));
        store.deletePrefix("models/m/versions/1");
        assertTrue(store.list("models/m/versions/1").isEmpty());
    }

    @Test
    void corruptionMissingObjectsAndADownStoreAreClearErrors(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("a.bin"), "original");
        store.putFile(f, "x/a.bin");
        // overwrite the bytes behind the store's back, keeping the recorded digest
        MinioClient raw = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
        byte[] tampered = "tampered".getBytes();
        raw.putObject(PutObjectArgs.builder().bucket("ckpt-test").object("x/a.bin")
                .stream(new ByteArrayInputStream(tampered), tampered.length, -1)
                .userMetadata(Map.of(CheckpointStore.SHA_KEY, CheckpointStore.sha256(f))).build());
        StoreException.Corrupt c = assertThrows(StoreException.Corrupt.class, () -> store.getFile("x/a.bin", tmp.resolve("b")));
        assertTrue(c.getMessage().contains("s3://ckpt-test/x/a.bin: SHA-256 mismatch"), c.getMessage());

        StoreException.NotFound nf = assertThrows(StoreException.NotFound.class, () -> store.getFile("x/none", tmp.resolve("c")));
        assertTrue(nf.getMessage().contains("s3://ckpt-test/x/none"), nf.getMessage());
        assertThrows(StoreException.NotFound.class, () -> store.getDirectory("nothing/here", tmp.resolve("d")));

        CheckpointStore down = new CheckpointStore("http://127.0.0.1:1", "a", "b", "ckpt-test");
        StoreException.Unavailable u = assertThrows(StoreException.Unavailable.class, () -> down.list("x"));
        assertTrue(u.getMessage().contains("object store at http://127.0.0.1:1 is unreachable"), u.getMessage());
    }
}
