/**
 * The scoring service's Kafka worker: {@code ScoringRequested} in, the scores and the engine's plan stored under
 * {@code jobs/{job}/scores/} and {@code ScoresComputed} out, keyed by the job. The service has no database,
 * so event ids are deduplicated in memory and the emitted event's id is derived from the request's.
 */
package dev.sculptor.scoring.events;
