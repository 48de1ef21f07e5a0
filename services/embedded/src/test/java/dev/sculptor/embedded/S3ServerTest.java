package dev.sculptor.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3ServerTest {
    @TempDir
    Path tmp;

    /** The local stack's case: objects stay in the data directory across a restart; a wrong secret is not ready. */
    @Test
    void objectsSurviveARestartOnTheSameDataDirectory() throws Exception {
        S3Server.Config config = new S3Server.Config(0, tmp.resolve("data"), "local", "secret");
        byte[] body = "weights".getBytes(StandardCharsets.UTF_8);
        try (S3Server s3 = S3Server.start(config)) {
            assertNull(Readiness.s3(s3.endpoint(), "local", "secret"));
            assertTrue(Readiness.s3(s3.endpoint(), "local", "wrong").startsWith("S3 request failed"));
            s3.createBucket("sculptor");
            minio(s3).putObject(PutObjectArgs.builder().bucket("sculptor").object("a/b")
                    .stream(new ByteArrayInputStream(body), body.length, -1).build());
        }
        assertTrue(Files.isDirectory(tmp.resolve("data/sculptor")));
        try (S3Server s3 = S3Server.start(config);
                InputStream in = minio(s3).getObject(GetObjectArgs.builder().bucket("sculptor").object("a/b").build())) {
            assertEquals("weights", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Ready with a bucket named means that bucket exists, so that a service never sees S3 ready before the bucket it
     * expects; and creating the bucket tolerates one already there, also one a client made over S3 first.
     */
    @Test
    void readinessWithABucketWaitsForItAndCreatingItTwiceIsFine() throws Exception {
        try (S3Server s3 = S3Server.start(new S3Server.Config(0, tmp.resolve("data"), "local", "secret"))) {
            assertNull(Readiness.s3(s3.endpoint(), "local", "secret"), "the server answers");
            assertEquals("bucket sculptor does not exist yet", Readiness.s3(s3.endpoint(), "local", "secret", "sculptor"));
            s3.createBucket("sculptor");
            assertNull(Readiness.s3(s3.endpoint(), "local", "secret", "sculptor"));
            s3.createBucket("sculptor");
            assertTrue(Readiness.s3(s3.endpoint(), "local", "wrong", "sculptor").startsWith("S3 request failed"));

            // a service created it over S3 before the server's own creation ran
            minio(s3).makeBucket(MakeBucketArgs.builder().bucket("made-by-a-client").build());
            s3.createBucket("made-by-a-client");
            assertNull(Readiness.s3(s3.endpoint(), "local", "secret", "made-by-a-client"));
        }
    }

    /** {@code Serve s3 --bucket B}: once started (when the ready file is written), the bucket exists. */
    @Test
    void serveS3IsReadyOnlyWithItsBucket() throws Exception {
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "s3cret\n");
        try (AutoCloseable served = Serve.start("s3", Map.of("port", "0", "data", tmp.resolve("served").toString(),
                "access-key", "local", "secret-file", secret.toString(), "bucket", "sculptor"))) {
            S3Server s3 = (S3Server) served;
            assertNull(Readiness.s3(s3.endpoint(), "local", "s3cret", "sculptor"));
        }
    }

    private static MinioClient minio(S3Server s3) {
        return MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey()).region("us-east-1").build();
    }
}
