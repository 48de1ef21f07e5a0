/**
 * Readiness checks the services share: {@link dev.sculptor.platform.health.WorkerReadiness}, which each
 * service subclasses so that a replica whose Kafka worker stopped is taken out of service;
 * {@link dev.sculptor.platform.health.NumericsReadiness}, which keeps a computing service unready on a
 * machine whose kernels compute wrongly (the engine's self-check); and the dependencies a service cannot work
 * without: {@link dev.sculptor.platform.health.KafkaReadiness} (where {@code sculptor.health.kafka} is true at run
 * time) and {@link dev.sculptor.platform.health.StoreReadiness} (a bean where the service's build sets
 * {@code sculptor.health.store}), both {@link dev.sculptor.platform.health.DependencyReadiness}: cached for a few
 * seconds, bounded by a short timeout, never in liveness. PostgreSQL has Quarkus's own datasource check.
 */
package dev.sculptor.platform.health;
