package dev.sculptor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

/** Image names and init args of the Docker-backed resources; needs no Docker. */
class ContainerImagesTest {

    private static final List<String> PROPERTIES = List.of(ContainerImages.KAFKA_PROPERTY, ContainerImages.MINIO_PROPERTY,
            ContainerImages.POSTGRES_PROPERTY);
    // what the run was started with (-Dsculptor.testing.*-image), put back after each test
    private final Map<String, String> given = new HashMap<>();

    @BeforeEach
    void clear() {
        for (String p : PROPERTIES) {
            String v = System.getProperty(p);
            if (v != null) {
                given.put(p, v);
            }
            System.clearProperty(p);
        }
    }

    @AfterEach
    void restore() {
        for (String p : PROPERTIES) {
            System.clearProperty(p);
        }
        given.forEach(System::setProperty);
    }

    @Test
    void defaultsAreThePinnedImages() {
        assertEquals("apache/kafka:4.1.2", ContainerImages.kafka().asCanonicalNameString());
        assertEquals("minio/minio:RELEASE.2025-04-22T22-12-26Z", ContainerImages.minio().asCanonicalNameString());
        assertEquals("postgres:16-alpine", ContainerImages.postgres().asCanonicalNameString());
    }

    @Test
    void aSystemPropertyNamesAnotherImageThatStandsInForTheDefault() {
        System.setProperty(ContainerImages.KAFKA_PROPERTY, "mirror.example:5000/apache/kafka:4.2.0");
        System.setProperty(ContainerImages.POSTGRES_PROPERTY, " postgres:17 ");
        DockerImageName kafka = ContainerImages.kafka();
        assertEquals("mirror.example:5000/apache/kafka:4.2.0", kafka.asCanonicalNameString());
        // Testcontainers' KafkaContainer refuses images that are not declared substitutes of apache/kafka
        assertTrue(kafka.isCompatibleWith(DockerImageName.parse("apache/kafka")));
        assertEquals("postgres:17", ContainerImages.postgres().asCanonicalNameString());
        assertTrue(ContainerImages.postgres().isCompatibleWith(DockerImageName.parse("postgres")));
    }

    @Test
    void aBlankOrInvalidNameIsRefusedNamingTheProperty() {
        System.setProperty(ContainerImages.MINIO_PROPERTY, "  ");
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, ContainerImages::minio);
        assertTrue(blank.getMessage().startsWith("system property sculptor.testing.minio-image is blank"), blank.getMessage());

        System.setProperty(ContainerImages.KAFKA_PROPERTY, "Apache/Kafka:4.1.2");
        IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class, ContainerImages::kafka);
        assertTrue(invalid.getMessage().startsWith("system property sculptor.testing.kafka-image='Apache/Kafka:4.1.2' is not a valid"
                + " image name"), invalid.getMessage());
    }

    @Test
    void initArgsAreReadAsTheEmbeddedResourcesReadThem() {
        assertEquals(3, KafkaResource.partitions(Map.of("partitions", "3")));
        assertEquals(1, KafkaResource.partitions(Map.of()));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> KafkaResource.partitions(Map.of("partitions", "0")));
        assertEquals("init arg partitions='0' must be a positive whole number", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KafkaResource.partitions(Map.of("partitions", "three")));
        assertEquals(List.of("a.v1", "b.v1"), List.of(KafkaResource.topics(Map.of("topics", " a.v1, ,b.v1 "))));

        assertEquals(S3Resource.DEFAULT_BUCKET, S3Resource.bucket(Map.of()));
        assertEquals(false, S3Resource.createBucket(Map.of("create-bucket", "false")));
        IllegalArgumentException yes = assertThrows(IllegalArgumentException.class, () -> S3Resource.createBucket(Map.of("create-bucket", "yes")));
        assertEquals("init arg create-bucket='yes' must be true or false", yes.getMessage());
        assertEquals(PostgresResource.DEFAULT_DATABASE, PostgresResource.database(Map.of()));
    }
}
