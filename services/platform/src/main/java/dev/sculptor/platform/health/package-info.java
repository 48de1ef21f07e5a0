/**
 * Readiness checks the services share: {@link dev.sculptor.platform.health.WorkerReadiness}, which each
 * service subclasses so that a replica whose Kafka worker stopped is taken out of service;
 * {@link dev.sculptor.platform.health.NumericsReadiness}, which keeps a computing service unready on a
 * machine whose kernels compute wrongly (the engine's self-check); and the dependencies a service cannot work
 * without, each a bean where the service's build turns it on: {@link dev.sculptor.platform.health.KafkaReadiness}
 * ({@code sculptor.health.kafka}) and {@link dev.sculptor.platform.health.StoreReadiness}
 * ({@code sculptor.health.store}), both {@link dev.sculptor.platform.health.DependencyReadiness}: cached for a few
 * seconds, bounded by a short timeout, never in liveness. PostgreSQL has Quarkus's own datasource check.
 */
package dev.sculptor.platform.health;
