package dev.sculptor.registry;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The production images (Kafka, MinIO, PostgreSQL) in Docker, where Docker exists. */
public class ContainersResource implements QuarkusTestResourceLifecycleManager {
    private KafkaContainer kafka;
    private MinIOContainer minio;
    private PostgreSQLContainer postgres;

    @Override
    public Map<String, String> start() {
        kafka = new KafkaContainer("apache/kafka:4.1.0");
        minio = new MinIOContainer("minio/minio:RELEASE.2025-04-22T22-12-26Z");
        postgres = new PostgreSQLContainer("postgres:16-alpine").withDatabaseName("registry");
        kafka.start();
        minio.start();
        postgres.start();
        return Map.of(
                "kafka.bootstrap.servers", kafka.getBootstrapServers(),
                "sculptor.store.endpoint", minio.getS3URL(),
                "sculptor.store.access-key", minio.getUserName(),
                "sculptor.store.secret-key", minio.getPassword(),
                "sculptor.store.bucket", "sculptor",
                "quarkus.datasource.jdbc.url", postgres.getJdbcUrl(),
                "quarkus.datasource.username", postgres.getUsername(),
                "quarkus.datasource.password", postgres.getPassword());
    }

    @Override
    public void stop() {
        for (AutoCloseable c : new AutoCloseable[] {kafka, minio, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
