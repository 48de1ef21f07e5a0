/**
 * What the registry tells others on {@code sculptor.registry.events.v1}: the event of each change, keyed by
 * the model so one model's events stay in order, and the runner that publishes the outbox for the life of
 * the service (off with {@code sculptor.outbox.enabled=false}).
 */
package dev.sculptor.registry.events;
