/** The evaluation service's readiness check: ready only while its Kafka worker consumes. */
package dev.sculptor.evaluation.health;
