/**
 * The embedded parts as the services' tests use them, no Docker. The parts themselves live in
 * {@code dev.sculptor.embedded} (module {@code services/embedded}, shared with the local stack); here they are
 * throw-away: {@link dev.sculptor.testing.EmbeddedKafka}, {@link dev.sculptor.testing.EmbeddedS3} and
 * {@link dev.sculptor.testing.EmbeddedPostgresDb} start on free loopback ports with their data in temporary
 * directories, deleted on close, with their chatty loggers lowered ({@code QuietLogs}) and the class loader Kafka
 * needs under Quarkus ({@code ContextLoader}). {@code EmbeddedKafka} also holds the helpers that read topics for
 * assertions.
 *
 * <p>The Quarkus test resources ({@link dev.sculptor.testing.KafkaResource},
 * {@link dev.sculptor.testing.S3Resource}, {@link dev.sculptor.testing.PostgresResource}) share one instance of
 * each part per JVM ({@code SharedParts}), started on first use and closed by a shutdown hook, because restarting a
 * broker for every test class is slow on small CI machines.
 */
package dev.sculptor.testing;
