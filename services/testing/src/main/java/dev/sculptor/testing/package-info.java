/**
 * Real embedded parts for the services' tests, no Docker: an in-JVM Apache Kafka broker in KRaft mode
 * ({@link dev.sculptor.testing.EmbeddedKafka}), an in-process S3 server reachable with the MinIO client
 * ({@link dev.sculptor.testing.EmbeddedS3}) and an embedded PostgreSQL
 * ({@link dev.sculptor.testing.EmbeddedPostgresDb}).
 *
 * <p>Each part is an {@link java.lang.AutoCloseable} that a plain JUnit test may start and close itself.
 * The Quarkus test resources ({@link dev.sculptor.testing.KafkaResource},
 * {@link dev.sculptor.testing.S3Resource}, {@link dev.sculptor.testing.PostgresResource}) instead share
 * one instance of each part per JVM, started on first use and closed by a shutdown hook, because
 * restarting a broker for every test class is slow on small CI machines.
 */
package dev.sculptor.testing;
