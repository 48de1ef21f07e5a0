/**
 * Events on Kafka as every service sends and reads them: the topic names
 * ({@link dev.sculptor.platform.events.Topics}), the CloudEvents envelope around a protobuf payload
 * ({@link dev.sculptor.platform.events.EventEnvelope}), a synchronous idempotent publisher, and the
 * at-least-once {@link dev.sculptor.platform.events.EventConsumer} that deduplicates by event id, retries
 * with backoff and dead-letters what it cannot handle. A service's worker is a bean subclassing
 * {@link dev.sculptor.platform.events.KafkaWorker}, so starting, stopping and delivery rules are the same
 * everywhere and only the handler differs.
 */
package dev.sculptor.platform.events;
