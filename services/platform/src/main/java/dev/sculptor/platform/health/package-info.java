/**
 * Readiness checks the services share: {@link dev.sculptor.platform.health.WorkerReadiness}, which each
 * service subclasses so that a replica whose Kafka worker stopped is taken out of service, and
 * {@link dev.sculptor.platform.health.NumericsReadiness}, which keeps a computing service unready on a
 * machine whose kernels compute wrongly (the engine's self-check).
 */
package dev.sculptor.platform.health;
