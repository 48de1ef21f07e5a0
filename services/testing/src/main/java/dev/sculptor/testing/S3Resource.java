package dev.sculptor.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at the JVM's shared embedded S3 server ({@link EmbeddedS3}), started
 * on first use and stopped when the JVM exits.
 *
 * <p>Returns {@code sculptor.store.endpoint}, {@code sculptor.store.access-key},
 * {@code sculptor.store.secret-key} and {@code sculptor.store.bucket} ({@value #DEFAULT_BUCKET} unless
 * init arg {@code bucket} says otherwise). The bucket is created at start, as the platform provisions it
 * in production; init arg {@code create-bucket=false} leaves that to the code under test. Objects of
 * earlier test classes stay in the shared store: use distinct keys.
 */
public class S3Resource implements QuarkusTestResourceLifecycleManager {

    public static final String DEFAULT_BUCKET = "sculptor-test";

    private String bucket = DEFAULT_BUCKET;
    private boolean createBucket = true;

    /** Endpoint of the shared server, starting it if needed; keys are {@link EmbeddedS3#ACCESS_KEY} and {@link EmbeddedS3#SECRET_KEY}. */
    public static String endpoint() {
        return shared(null)[0];
    }

    private static String[] shared(String bucketToCreate) {
        return (String[]) SharedParts.call("s3", new Class<?>[] {String.class}, bucketToCreate);
    }

    /**
     * Stops the shared S3 server as an outage would (for tests of how a service copes); {@link #restartServer}
     * brings it back on the same endpoint with its objects. Restart it before the test ends: the next test class
     * shares it.
     */
    public static void stopServer() {
        SharedParts.call("s3Running", new Class<?>[] {Boolean.class}, Boolean.FALSE);
    }

    /** Starts the shared S3 server again after {@link #stopServer}. */
    public static void restartServer() {
        SharedParts.call("s3Running", new Class<?>[] {Boolean.class}, Boolean.TRUE);
    }

    @Override
    public void init(Map<String, String> initArgs) {
        bucket = bucket(initArgs);
        createBucket = createBucket(initArgs);
    }

    /** Init arg {@code bucket}, default {@value #DEFAULT_BUCKET}. Shared with {@link S3ContainerResource}. */
    static String bucket(Map<String, String> initArgs) {
        return initArgs.getOrDefault("bucket", DEFAULT_BUCKET);
    }

    /** Init arg {@code create-bucket}: {@code true} (default) or {@code false}. */
    static boolean createBucket(Map<String, String> initArgs) {
        String value = initArgs.getOrDefault("create-bucket", "true").trim();
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("init arg create-bucket='" + value + "' must be true or false");
        }
        return Boolean.parseBoolean(value);
    }

    /** The configuration an S3 test resource returns for a store. */
    static Map<String, String> config(String endpoint, String accessKey, String secretKey, String bucket) {
        return Map.of(
                "sculptor.store.endpoint", endpoint,
                "sculptor.store.access-key", accessKey,
                "sculptor.store.secret-key", secretKey,
                "sculptor.store.bucket", bucket);
    }

    @Override
    public Map<String, String> start() {
        String[] s3 = shared(createBucket ? bucket : null);
        return config(s3[0], s3[1], s3[2], bucket);
    }

    /** Leaves the shared server running for the next test class; a shutdown hook stops it. */
    @Override
    public void stop() {
    }
}
