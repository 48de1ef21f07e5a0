package dev.sculptor.registry.store;

import dev.sculptor.platform.events.EventEnvelope;

/** An event to write to the outbox in the same transaction as a change. */
public record Outgoing(String topic, EventEnvelope event) {}
