package dev.sculptor.testing;

import org.testcontainers.utility.DockerImageName;

/**
 * The images the Docker-backed test resources run, each overridable by a system property (for a mirror, a newer
 * tag or a pre-pulled image): {@value #KAFKA_PROPERTY}, {@value #MINIO_PROPERTY}, {@value #POSTGRES_PROPERTY}.
 * An override must be the same software: it is declared a compatible substitute of the default image's repository,
 * which Testcontainers' modules check.
 */
public final class ContainerImages {

    public static final String KAFKA_PROPERTY = "sculptor.testing.kafka-image";
    public static final String MINIO_PROPERTY = "sculptor.testing.minio-image";
    public static final String POSTGRES_PROPERTY = "sculptor.testing.postgres-image";

    /** Apache Kafka in KRaft mode, the version of the embedded broker (services/pom.xml {@code kafka.version}). */
    public static final String KAFKA_DEFAULT = "apache/kafka:4.1.2";
    public static final String MINIO_DEFAULT = "minio/minio:RELEASE.2025-04-22T22-12-26Z";
    public static final String POSTGRES_DEFAULT = "postgres:16-alpine";

    private ContainerImages() {
    }

    public static DockerImageName kafka() {
        return resolve(KAFKA_PROPERTY, KAFKA_DEFAULT);
    }

    public static DockerImageName minio() {
        return resolve(MINIO_PROPERTY, MINIO_DEFAULT);
    }

    public static DockerImageName postgres() {
        return resolve(POSTGRES_PROPERTY, POSTGRES_DEFAULT);
    }

    static DockerImageName resolve(String property, String fallback) {
        String name = System.getProperty(property);
        if (name == null) {
            return DockerImageName.parse(fallback);
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("system property " + property + " is blank: give an image name such as "
                    + fallback + ", or leave it unset for that default");
        }
        DockerImageName image;
        try {
            image = DockerImageName.parse(name.trim());
            image.assertValid();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + property + "='" + name + "' is not a valid image name ("
                    + e.getMessage() + "); expected e.g. " + fallback, e);
        }
        return image.asCompatibleSubstituteFor(DockerImageName.parse(fallback).getUnversionedPart());
    }
}
