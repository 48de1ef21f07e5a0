package dev.sculptor.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;

class EmbeddedS3Test {

    private static EmbeddedS3 s3;
    private static MinioClient minio;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start();
        minio = MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1")
                .build();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void putGetAndStatAnObjectWithTheMinioClient() throws Exception {
        minio.makeBucket(MakeBucketArgs.builder().bucket("checkpoints").build());
        byte[] body = "weights of vgg-16-a".getBytes(StandardCharsets.UTF_8);
        minio.putObject(PutObjectArgs.builder()
                .bucket("checkpoints").object("models/vgg/1/params")
                .stream(new ByteArrayInputStream(body), body.length, -1)
                .contentType("application/octet-stream")
                .userMetadata(Map.of("sha256", "abc123"))
                .build());

        StatObjectResponse stat = minio.statObject(
                StatObjectArgs.builder().bucket("checkpoints").object("models/vgg/1/params").build());
        assertEquals(body.length, stat.size());
        assertEquals("abc123", stat.userMetadata().get("sha256"));

        try (InputStream in = minio.getObject(
                GetObjectArgs.builder().bucket("checkpoints").object("models/vgg/1/params").build())) {
            assertArrayEquals(body, in.readAllBytes());
        }

        ErrorResponseException missing = assertThrows(ErrorResponseException.class, () -> minio.statObject(
                StatObjectArgs.builder().bucket("checkpoints").object("models/vgg/2/params").build()));
        assertEquals("NoSuchKey", missing.errorResponse().code());
    }

    @Test
    void bucketsCreatedInTheStoreAreVisibleOverS3() throws Exception {
        s3.createBucket("provisioned");
        s3.createBucket("provisioned"); // idempotent
        assertTrue(minio.bucketExists(BucketExistsArgs.builder().bucket("provisioned").build()));
    }

    @Test
    void wrongSecretIsRefused() {
        MinioClient intruder = MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), "not-the-secret")
                .region("us-east-1")
                .build();
        ErrorResponseException refused = assertThrows(ErrorResponseException.class,
                () -> intruder.bucketExists(BucketExistsArgs.builder().bucket("provisioned").build()));
        assertEquals(403, refused.response().code());
    }
}
