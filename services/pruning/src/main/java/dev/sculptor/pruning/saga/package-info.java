/**
 * The prune-job saga as data: {@link dev.sculptor.pruning.saga.Saga}'s (state × event) → (new job, outbox
 * messages) table and the {@link dev.sculptor.pruning.saga.SagaEvent}s it reads. Pure code: no Quarkus, no
 * database, no network, so that every transition is unit-tested on its own; the service package feeds it.
 */
package dev.sculptor.pruning.saga;
