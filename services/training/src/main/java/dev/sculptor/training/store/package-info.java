/**
 * Training runs in PostgreSQL through plain JDBC. Each event commits with the state change it reports (the
 * outbox), and a run's end commits with the id of the request that asked for it, so a redelivered request
 * never produces a second completion.
 */
package dev.sculptor.training.store;
