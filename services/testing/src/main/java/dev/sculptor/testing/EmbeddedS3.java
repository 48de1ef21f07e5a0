package dev.sculptor.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * An S3-compatible server inside the test JVM: S3Proxy in front of a jclouds {@code filesystem-nio2}
 * blob store in a temporary directory, on a random loopback port, with AWS signature v2/v4
 * authentication and a fixed access key and secret. The MinIO client reaches it as it would MinIO
 * (give it region {@code us-east-1} to skip the location call).
 */
public final class EmbeddedS3 implements AutoCloseable {

    /** Access key accepted by every embedded S3 server. */
    public static final String ACCESS_KEY = "sculptor-test-access";
    /** Secret key accepted by every embedded S3 server. */
    public static final String SECRET_KEY = "sculptor-test-secret";

    private static final long START_TIMEOUT_MS = 30_000;

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final String endpoint;
    private final Path baseDir;
    private boolean closed;

    private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, String endpoint, Path baseDir) {
        this.proxy = proxy;
        this.context = context;
        this.endpoint = endpoint;
        this.baseDir = baseDir;
    }

    /** Starts a server on an empty store; returns once it accepts requests. */
    public static EmbeddedS3 start() {
        return ContextLoader.with(EmbeddedS3::doStart);
    }

    private static EmbeddedS3 doStart() {
        QuietLogs.apply();
        Path baseDir = TempDirs.create("sculptor-s3-");
        Properties overrides = new Properties();
        overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, baseDir.toString());
        BlobStoreContext context = null;
        S3Proxy proxy = null;
        try {
            context = ContextBuilder.newBuilder("filesystem-nio2")
                    // The nio2 provider insists on credentials of its own; S3 clients use ACCESS_KEY/SECRET_KEY.
                    .credentials("local", "local")
                    .overrides(overrides)
                    .build(BlobStoreContext.class);
            proxy = S3Proxy.builder()
                    .blobStore(context.getBlobStore())
                    // Port 0: Jetty binds a free port itself, read back below, so no race for it.
                    .endpoint(URI.create("http://" + Ports.LOOPBACK + ":0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            proxy.start();
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
            // S3Proxy shades Jetty and reports its lifecycle state as a string.
            while (!"STARTED".equals(proxy.getState())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
                }
                Thread.sleep(10);
            }
            return new EmbeddedS3(proxy, context, "http://" + Ports.LOOPBACK + ":" + proxy.getPort(), baseDir);
        } catch (Exception e) {
            if (proxy != null) {
                stopQuietly(proxy);
            }
            if (context != null) {
                context.close();
            }
            TempDirs.deleteQuietly(baseDir);
            throw e instanceof RuntimeException re ? re : new IllegalStateException("S3Proxy did not start", e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for {@code MinioClient.builder().endpoint(...)}. */
    public String endpoint() {
        return endpoint;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** Creates a bucket straight in the backing store, without an S3 client; no-op if it exists. */
    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    /** Stops the server and deletes every stored object. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(proxy);
        context.close();
        TempDirs.deleteQuietly(baseDir);
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
        return "EmbeddedS3[" + endpoint + "]";
    }
}
