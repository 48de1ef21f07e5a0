/** Readiness of the two Kafka consumers: without them jobs wait, so the service is not ready. */
package dev.sculptor.pruning.health;
