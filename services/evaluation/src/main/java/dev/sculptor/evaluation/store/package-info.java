/**
 * Evaluations in PostgreSQL through plain JDBC. A finished evaluation, its event (the outbox) and the id of
 * the request that asked for it commit in one transaction, so a redelivered request never produces a second
 * event.
 */
package dev.sculptor.evaluation.store;
