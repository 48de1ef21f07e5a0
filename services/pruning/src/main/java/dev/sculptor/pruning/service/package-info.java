/**
 * The effects around the saga's table: creating and validating jobs ({@code PruneJobs}), the pruning step
 * ({@code PruningStep}: download, shrink with the engine, store, register), the deadline of the waiting states
 * ({@code StallWatch}) and re-prune triggers ({@code Triggers}). Each turns what happened into a saga event and
 * applies it through {@code PruneJobs.apply}, in one transaction with the messages it sends.
 */
package dev.sculptor.pruning.service;
