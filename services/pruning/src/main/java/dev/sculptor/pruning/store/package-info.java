/**
 * Prune jobs, their watch events and re-prune triggers in PostgreSQL. A saga step is one transaction: the
 * locked job's new form, the outbox messages it sends, its watch events and the processed mark of its cause.
 */
package dev.sculptor.pruning.store;
