/**
 * The evaluation service on Kafka: the worker that turns {@code EvaluationRequested} into a measurement, the
 * {@code EvaluationCompleted} event keyed by the job that asked, and the runner that publishes it from the
 * outbox.
 */
package dev.sculptor.evaluation.events;
