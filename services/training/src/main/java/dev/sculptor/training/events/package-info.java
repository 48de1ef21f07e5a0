/**
 * The training service on Kafka: the worker that trains one requested run at a time per replica (its offset
 * committed only when the run ended, so a killed replica's run is redelivered and resumed), the queue
 * recorder that makes waiting runs visible at once, the service's events, and the runner that publishes
 * them from the outbox.
 */
package dev.sculptor.training.events;
