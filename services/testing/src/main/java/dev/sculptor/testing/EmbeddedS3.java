package dev.sculptor.testing;

import java.nio.file.Path;

import dev.sculptor.embedded.Dirs;
import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.S3Server;

/**
 * A throw-away S3 server for a test: {@link S3Server} on a port of its own choosing, with its objects in a temporary
 * directory (deleted on close) and the fixed keys {@link #ACCESS_KEY} and {@link #SECRET_KEY}. The MinIO client
 * reaches it as it would MinIO (give it region {@code us-east-1} to skip the location call).
 */
public final class EmbeddedS3 implements AutoCloseable {

    /** Access key accepted by every embedded S3 server. */
    public static final String ACCESS_KEY = "sculptor-test-access";
    /** Secret key accepted by every embedded S3 server. */
    public static final String SECRET_KEY = "sculptor-test-secret";

    private S3Server server;
    private final Path baseDir;
    // kept apart from the server, which forgets its port once stopped
    private final int port;

    private EmbeddedS3(S3Server server, Path baseDir) {
        this.server = server;
        this.baseDir = baseDir;
        this.port = server.port();
    }

    /** Starts a server on an empty store; returns once it accepts requests. */
    public static EmbeddedS3 start() {
        return ContextLoader.with(() -> {
            QuietLogs.apply();
            Path baseDir = TempDirs.create("sculptor-s3-");
            try {
                return new EmbeddedS3(S3Server.start(new S3Server.Config(0, baseDir, ACCESS_KEY, SECRET_KEY)), baseDir);
            } catch (RuntimeException e) {
                Dirs.deleteQuietly(baseDir);
                throw e;
            }
        });
    }

    /** {@code http://127.0.0.1:<port>}, for {@code MinioClient.builder().endpoint(...)}. */
    public String endpoint() {
        return "http://" + Loopback.HOST + ":" + port;
    }

    /** Stops the server as an outage would, keeping its port and objects: {@link #restart} brings it back as it was. */
    public synchronized void stop() {
        server.close();
    }

    /** Starts the server again on the same port and objects. */
    public synchronized void restart() {
        S3Server stopped = server;
        stopped.close();
        server = ContextLoader.with(() -> S3Server.start(new S3Server.Config(port, baseDir, ACCESS_KEY, SECRET_KEY)));
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** Creates a bucket straight in the backing store, without an S3 client; no-op if it exists. */
    public synchronized void createBucket(String bucket) {
        server.createBucket(bucket);
    }

    /** Stops the server and deletes every stored object. Idempotent. */
    @Override
    public synchronized void close() {
        server.close();
        Dirs.deleteQuietly(baseDir);
    }

    @Override
    public String toString() {
        return "EmbeddedS3[" + endpoint() + "]";
    }
}
