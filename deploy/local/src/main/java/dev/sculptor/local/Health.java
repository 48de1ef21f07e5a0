package dev.sculptor.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Health checks. Each returns null when healthy, else a short reason. None throws. */
final class Health {
    static final String HOST = "127.0.0.1";

    private Health() {}

    static boolean tcp(int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), timeoutMs);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True when nothing listens on the port and it can be bound on 127.0.0.1 (as the servers will). */
    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String kafka(int port) {
        if (!tcp(port, 1000)) {
            return "nothing listens on " + HOST + ":" + port;
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sculptor-local-health");
        try (Admin admin = Admin.create(p)) {
            var d = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000));
            int nodes = d.nodes().get(6, TimeUnit.SECONDS).size();
            return nodes > 0 ? null : "no broker registered yet";
        } catch (Exception e) {
            return "describeCluster failed: " + rootMessage(e);
        } finally {
            // Admin.close waits for pending calls; the try-with-resources above bounds them by the timeouts.
        }
    }

    static MinioClient minio(int port, String accessKey, String secretKey) {
        MinioClient c = MinioClient.builder().endpoint("http://" + HOST + ":" + port).credentials(accessKey, secretKey)
                .region("us-east-1").build();
        c.setTimeout(3000, 5000, 5000);
        return c;
    }

    /** S3: TCP, then listBuckets with the MinIO client; creates {@code bucket} when missing (when not null). */
    static String s3(int port, String accessKey, String secretKey, String bucket) {
        if (!tcp(port, 1000)) {
            return "nothing listens on " + HOST + ":" + port;
        }
        try {
            MinioClient c = minio(port, accessKey, secretKey);
            c.listBuckets();
            if (bucket != null && !c.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                c.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
            return null;
        } catch (Exception e) {
            return "S3 request failed: " + rootMessage(e);
        }
    }

    static String jdbcUrl(int port, String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    static String postgres(int port, String database) {
        if (!tcp(port, 1000)) {
            return "nothing listens on " + HOST + ":" + port;
        }
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", "postgres");
        p.setProperty("connectTimeout", "3");
        p.setProperty("socketTimeout", "5");
        p.setProperty("loginTimeout", "5");
        try (Connection c = DriverManager.getConnection(jdbcUrl(port, database), p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select 1")) {
            return rs.next() && rs.getInt(1) == 1 ? null : "select 1 returned no row";
        } catch (Exception e) {
            return "JDBC select 1 failed: " + rootMessage(e);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** HTTP GET of a MicroProfile-style health path: 200 and {"status": "UP"}. */
    static String http(int port, String path) {
        if (!tcp(port, 1000)) {
            return "nothing listens on " + HOST + ":" + port;
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return "GET " + path + " returned " + r.statusCode();
            }
            JsonElement status = JsonParser.parseString(r.body()).getAsJsonObject().get("status");
            return status != null && "UP".equals(status.getAsString()) ? null : "GET " + path + " status is " + status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "GET " + path + " failed: " + rootMessage(e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }
}
