package dev.sculptor.testing;

import java.util.Map;

import org.testcontainers.containers.MinIOContainer;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * {@link S3Resource}'s Docker-backed twin: MinIO (image {@link ContainerImages#minio()}) in a container of its own,
 * started by {@link #start} and removed by {@link #stop}. Same init args ({@code bucket}, {@code create-bucket}) and
 * the same keys as {@link S3Resource}. Use it only in a class that skips without Docker.
 */
public class S3ContainerResource implements QuarkusTestResourceLifecycleManager {

    private String bucket = S3Resource.DEFAULT_BUCKET;
    private boolean createBucket = true;
    private MinIOContainer minio;

    @Override
    public void init(Map<String, String> initArgs) {
        bucket = S3Resource.bucket(initArgs);
        createBucket = S3Resource.createBucket(initArgs);
    }

    @Override
    public Map<String, String> start() {
        minio = new MinIOContainer(ContainerImages.minio());
        minio.start();
        if (createBucket) {
            createBucket(minio.getS3URL(), minio.getUserName(), minio.getPassword(), bucket);
        }
        return S3Resource.config(minio.getS3URL(), minio.getUserName(), minio.getPassword(), bucket);
    }

    /** Through the S3 API, as an operator provisions the bucket in production. */
    private static void createBucket(String endpoint, String accessKey, String secretKey, String bucket) {
        MinioClient client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region("us-east-1").build();
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create bucket " + bucket + " on MinIO at " + endpoint, e);
        }
    }

    @Override
    public void stop() {
        if (minio != null) {
            minio.stop();
        }
    }
}
