package dev.sculptor.embedded;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether a part answers its clients, asked the way its clients ask: a Kafka broker registered in its cluster, an S3
 * server accepting a signed listBuckets (and having the bucket, when one is named), PostgreSQL answering {@code select 1}. Each check returns null when ready,
 * else a short reason, and never throws; the parts wait on them in their JVM, the local stack from outside.
 */
public final class Readiness {
    private Readiness() {}

    public static String kafka(String bootstrapServers) {
        int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
        if (!Loopback.listening(port, 1000)) {
            return "nothing listens on " + bootstrapServers;
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sculptor-readiness");
        // Admin.close waits for pending calls; the timeouts above bound them.
        try (Admin admin = Admin.create(p)) {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes().get(6, TimeUnit.SECONDS).size();
            return nodes > 0 ? null : "no broker registered yet";
        } catch (Exception e) {
            return "describeCluster failed: " + rootMessage(e);
        }
    }

    public static String s3(String endpoint, String accessKey, String secretKey) {
        return s3(endpoint, accessKey, secretKey, null);
    }

    /**
     * The S3 server accepts these credentials and, when {@code bucket} is given, that bucket exists: a server that
     * answers before the bucket is created is not ready for services that expect the bucket (they would race its
     * creator to create it).
     */
    public static String s3(String endpoint, String accessKey, String secretKey, String bucket) {
        if (!Loopback.listening(URI.create(endpoint).getPort(), 1000)) {
            return "nothing listens on " + endpoint;
        }
        try {
            MinioClient c = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region("us-east-1").build();
            c.setTimeout(3000, 5000, 5000);
            c.listBuckets();
            if (bucket != null && !c.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                return "bucket " + bucket + " does not exist yet";
            }
            return null;
        } catch (Exception e) {
            return "S3 request failed: " + rootMessage(e);
        }
    }

    /** Logs in as the superuser with {@code password}: a wrong one makes the server unready, as for its clients. */
    public static String postgres(int port, String password) {
        if (!Loopback.listening(port, 1000)) {
            return "nothing listens on " + Loopback.HOST + ":" + port;
        }
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.USER);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "3");
        p.setProperty("socketTimeout", "5");
        p.setProperty("loginTimeout", "5");
        try (Connection c = DriverManager.getConnection(PostgresServer.url(port, PostgresServer.ADMIN_DATABASE), p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select 1")) {
            return rs.next() && rs.getInt(1) == 1 ? null : "select 1 returned no row";
        } catch (Exception e) {
            return "JDBC select 1 failed: " + rootMessage(e);
        }
    }

    /**
     * Waits until {@code check} returns null, asking every 100 ms.
     *
     * @throws IllegalStateException with the last reason when {@code timeout} passes first
     */
    public static void await(String what, Duration timeout, Supplier<String> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String problem = check.get();
            if (problem == null) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " was not ready within " + timeout.toSeconds() + " s: " + problem);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(what + ": interrupted while waiting", e);
            }
        }
    }

    /** The innermost cause as {@code SimpleName: first line of its message}. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
