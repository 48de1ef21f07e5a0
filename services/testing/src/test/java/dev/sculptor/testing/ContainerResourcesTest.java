package dev.sculptor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Docker-backed resources hand out working coordinates under the same keys as the embedded ones. Skipped where
 * there is no Docker (as on the build machines).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerResourcesTest {

    @Test
    void kafkaContainerCreatesTheTopicsAndAnswersUnderTheEmbeddedKeys() throws Exception {
        QuarkusTestResourceLifecycleManager resource = new KafkaContainerResource();
        Map<String, String> config = start(resource, Map.of("topics", "sculptor.a.v1,sculptor.b.v1", "partitions", "2"));
        try {
            assertEquals(KafkaResource.config("b").keySet(), config.keySet());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.get("kafka.bootstrap.servers")))) {
                assertTrue(admin.listTopics().names().get().containsAll(Set.of("sculptor.a.v1", "sculptor.b.v1")));
                assertEquals(2, admin.describeTopics(Set.of("sculptor.b.v1")).allTopicNames().get().get("sculptor.b.v1").partitions().size());
            }
        } finally {
            resource.stop();
        }
    }

    @Test
    void minioContainerHasTheBucketReadyUnderTheEmbeddedKeys() throws Exception {
        QuarkusTestResourceLifecycleManager resource = new S3ContainerResource();
        Map<String, String> config = start(resource, Map.of("bucket", "sculptor-tc"));
        try {
            assertEquals(S3Resource.config("e", "a", "s", "b").keySet(), config.keySet());
            assertEquals("sculptor-tc", config.get("sculptor.store.bucket"));
            MinioClient minio = MinioClient.builder().endpoint(config.get("sculptor.store.endpoint"))
                    .credentials(config.get("sculptor.store.access-key"), config.get("sculptor.store.secret-key"))
                    .region("us-east-1").build();
            assertTrue(minio.bucketExists(BucketExistsArgs.builder().bucket("sculptor-tc").build()));
            byte[] body = {1, 2, 3};
            minio.putObject(PutObjectArgs.builder().bucket("sculptor-tc").object("k").stream(new ByteArrayInputStream(body), 3, -1).build());
            assertEquals(3, minio.statObject(StatObjectArgs.builder().bucket("sculptor-tc").object("k").build()).size());
        } finally {
            resource.stop();
        }
    }

    @Test
    void postgresContainerServesTheNamedDatabaseUnderTheEmbeddedKeys() throws Exception {
        QuarkusTestResourceLifecycleManager resource = new PostgresContainerResource();
        Map<String, String> config = start(resource, Map.of("database", "registry"));
        try {
            assertEquals(PostgresResource.config("u", "n", "p").keySet(), config.keySet());
            assertEquals("postgresql", config.get("quarkus.datasource.db-kind"));
            try (Connection c = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                    config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
                    ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
                assertTrue(rs.next());
                assertEquals("registry", rs.getString(1));
            }
        } finally {
            resource.stop();
        }
    }

    private static Map<String, String> start(QuarkusTestResourceLifecycleManager resource, Map<String, String> args) {
        resource.init(args);
        return resource.start();
    }
}
