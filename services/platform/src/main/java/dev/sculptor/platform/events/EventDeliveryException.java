package dev.sculptor.platform.events;

/** Kafka did not accept an event in time; the caller retries (the outbox keeps it). */
public final class EventDeliveryException extends RuntimeException {
    public EventDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
