package dev.sculptor.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** The test resources hand out working coordinates, and share one part of each kind per JVM. */
class QuarkusResourcesTest {

    @Test
    void kafkaResourceSharesOneBrokerAndCreatesTopics() throws Exception {
        Map<String, String> first = start(new KafkaResource(), Map.of("topics", "sculptor.a.v1, sculptor.b.v1",
                "partitions", "2"));
        Map<String, String> second = start(new KafkaResource(), Map.of());
        assertEquals(Set.of("kafka.bootstrap.servers", "mp.messaging.connector.smallrye-kafka.bootstrap.servers"),
                first.keySet());
        assertEquals(first, second);
        assertEquals(first.get("kafka.bootstrap.servers"), KafkaResource.bootstrapServers());

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                first.get("kafka.bootstrap.servers")))) {
            // created by the controller; the broker's metadata may take a moment to list them
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> admin.listTopics().names().get()
                    .containsAll(Set.of("sculptor.a.v1", "sculptor.b.v1")));
            assertEquals(2, await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> admin.describeTopics(
                    Set.of("sculptor.a.v1")).allTopicNames().get().get("sculptor.a.v1").partitions().size(), n -> true));
        }
    }

    @Test
    void s3ResourceSharesOneServerWithTheBucketReady() throws Exception {
        Map<String, String> first = start(new S3Resource(), Map.of());
        Map<String, String> second = start(new S3Resource(), Map.of("bucket", "other", "create-bucket", "false"));
        assertEquals(Set.of("sculptor.store.endpoint", "sculptor.store.access-key", "sculptor.store.secret-key",
                "sculptor.store.bucket"), first.keySet());
        assertEquals("sculptor-test", first.get("sculptor.store.bucket"));
        assertEquals("other", second.get("sculptor.store.bucket"));
        assertEquals(first.get("sculptor.store.endpoint"), second.get("sculptor.store.endpoint"));
        assertEquals(first.get("sculptor.store.endpoint"), S3Resource.endpoint());

        MinioClient minio = MinioClient.builder()
                .endpoint(first.get("sculptor.store.endpoint"))
                .credentials(first.get("sculptor.store.access-key"), first.get("sculptor.store.secret-key"))
                .region("us-east-1")
                .build();
        assertTrue(minio.bucketExists(BucketExistsArgs.builder().bucket("sculptor-test").build()));
        assertEquals(false, minio.bucketExists(BucketExistsArgs.builder().bucket("other").build()));
        byte[] body = {1, 2, 3};
        minio.putObject(PutObjectArgs.builder().bucket("sculptor-test").object("k")
                .stream(new ByteArrayInputStream(body), body.length, -1).build());
    }

    @Test
    void postgresResourceSharesOneServerAndCreatesTheDatabase() throws Exception {
        Map<String, String> first = start(new PostgresResource(), Map.of());
        Map<String, String> second = start(new PostgresResource(), Map.of("database", "scoring"));
        assertEquals("postgresql", first.get("quarkus.datasource.db-kind"));
        assertTrue(first.get("quarkus.datasource.jdbc.url").endsWith("/sculptor"), first.toString());
        assertTrue(second.get("quarkus.datasource.jdbc.url").endsWith("/scoring"), second.toString());
        assertEquals(first.get("quarkus.datasource.jdbc.url").replace("/sculptor", "/scoring"),
                second.get("quarkus.datasource.jdbc.url"));
        assertEquals(second.get("quarkus.datasource.jdbc.url"), PostgresResource.jdbcUrl("scoring"));

        try (Connection c = DriverManager.getConnection(first.get("quarkus.datasource.jdbc.url"),
                first.get("quarkus.datasource.username"), first.get("quarkus.datasource.password"))) {
            assertTrue(c.isValid(5));
        }
    }

    private static Map<String, String> start(QuarkusTestResourceLifecycleManager resource, Map<String, String> args) {
        resource.init(args);
        long t0 = System.nanoTime();
        Map<String, String> config = resource.start();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        // A few seconds is the contract; the bound leaves room for a loaded two-core CI machine.
        assertTrue(millis < 60_000, resource.getClass().getSimpleName() + " took " + millis + " ms");
        resource.stop();
        return config;
    }
}
