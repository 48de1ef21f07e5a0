/**
 * Sculptor's embedded infrastructure, the one place that starts and stops it: a Kafka broker in KRaft mode
 * ({@link dev.sculptor.embedded.KafkaBroker}), an S3 server ({@link dev.sculptor.embedded.S3Server}) and PostgreSQL
 * ({@link dev.sculptor.embedded.PostgresServer}, binaries by {@link dev.sculptor.embedded.PgBinaries}), each with its
 * ports ({@link dev.sculptor.embedded.Loopback}), data directory and readiness check
 * ({@link dev.sculptor.embedded.Readiness}).
 *
 * <p>Two users: the tests start the parts in their own JVM on free ports and temporary directories
 * ({@code dev.sculptor.testing}); the local stack runs each part as a background process of its own on fixed ports and
 * a persistent state directory ({@link dev.sculptor.embedded.Serve}, started by {@code dev.sculptor.local}).
 */
package dev.sculptor.embedded;
