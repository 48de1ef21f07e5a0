/**
 * Kafka in and out: {@code PruningWorker} consumes the answers of the other services and the registry's events
 * for triggers, {@code PruningStepWorker} the saga's own pruning requests (a consumer of their own, so a long
 * step holds nothing else up), and {@code OutboxRunner} publishes what the saga's steps committed.
 */
package dev.sculptor.pruning.events;
