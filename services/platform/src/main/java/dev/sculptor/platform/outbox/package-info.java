/**
 * The transactional outbox: a service appends its events ({@link dev.sculptor.platform.outbox.Outbox})
 * in the same transaction as the state change they describe, and
 * {@link dev.sculptor.platform.outbox.OutboxPublisher} sends them to Kafka in commit order afterwards, so a
 * committed change always has its event and a rolled-back one never does. A service with a database runs
 * the publisher by subclassing {@link dev.sculptor.platform.outbox.OutboxRunner} as a bean;
 * {@link dev.sculptor.platform.outbox.Ended} is the end of a run or evaluation, which emits its event only
 * once. {@link dev.sculptor.platform.outbox.JdbcProcessedEvents} keeps the event ids a consumer has handled in
 * the same database. Both tables come from the Flyway location {@code db/platform}.
 */
package dev.sculptor.platform.outbox;
