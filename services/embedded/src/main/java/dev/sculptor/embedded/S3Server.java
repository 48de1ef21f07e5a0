package dev.sculptor.embedded;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * An S3-compatible server in this JVM: S3Proxy in front of a jclouds {@code filesystem-nio2} blob store (one directory
 * per bucket under the data directory), on loopback, with AWS signature v2/v4 authentication. The MinIO client reaches
 * it as it would MinIO (give it region {@code us-east-1} to skip the location call).
 */
public final class S3Server implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** Where the server listens (0: a port Jetty picks, so no race for it), keeps its objects, and whom it accepts. */
    public record Config(int port, Path dataDir, String accessKey, String secretKey) {
        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(accessKey, "accessKey");
            Objects.requireNonNull(secretKey, "secretKey");
        }
    }

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Config config;
    private boolean closed;

    private S3Server(S3Proxy proxy, BlobStoreContext context, Config config) {
        this.proxy = proxy;
        this.context = context;
        this.config = config;
    }

    /** Starts the server on the data directory (created when missing); returns once it accepts requests. */
    public static S3Server start(Config config) {
        BlobStoreContext context = null;
        S3Proxy proxy = null;
        try {
            Files.createDirectories(config.dataDir());
            Properties overrides = new Properties();
            overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, config.dataDir().toString());
            context = ContextBuilder.newBuilder("filesystem-nio2")
                    // The nio2 provider insists on credentials of its own; S3 clients use the configured keys.
                    .credentials("local", "local")
                    .overrides(overrides)
                    .build(BlobStoreContext.class);
            proxy = S3Proxy.builder()
                    .blobStore(context.getBlobStore())
                    .endpoint(URI.create("http://" + Loopback.HOST + ":" + config.port()))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, config.accessKey(), config.secretKey())
                    .build();
            proxy.start();
            S3Proxy started = proxy;
            // S3Proxy shades Jetty and reports its lifecycle state as a string.
            Readiness.await("S3Proxy", START_TIMEOUT, () -> "STARTED".equals(started.getState()) ? null : started.getState());
            return new S3Server(proxy, context, config);
        } catch (Exception e) {
            if (proxy != null) {
                stopQuietly(proxy);
            }
            if (context != null) {
                context.close();
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy did not start", e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for {@code MinioClient.builder().endpoint(...)}. */
    public String endpoint() {
        return "http://" + Loopback.HOST + ":" + proxy.getPort();
    }

    public int port() {
        return proxy.getPort();
    }

    public String accessKey() {
        return config.accessKey();
    }

    public String secretKey() {
        return config.secretKey();
    }

    /**
     * Creates a bucket straight in the backing store, without an S3 client; no-op if it exists, also when a client
     * created it over S3 at the same moment (the store then refuses, and the bucket being there is what counts).
     */
    public void createBucket(String bucket) {
        try {
            context.getBlobStore().createContainerInLocation(null, bucket);
        } catch (RuntimeException e) {
            if (!context.getBlobStore().containerExists(bucket)) {
                throw e;
            }
        }
    }

    /** Stops the server; the objects stay in the data directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            stopQuietly(proxy);
            context.close();
        }
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // Not started or already stopped.
        }
    }

    @Override
    public String toString() {
        return "S3Server[" + endpoint() + "]";
    }
}
