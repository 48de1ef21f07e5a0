package dev.sculptor.platform.events;

/**
 * An event that can never be processed (bad headers, unparseable payload, unknown type): it goes
 * straight to the dead-letter topic without retries.
 */
public class PoisonEventException extends RuntimeException {
    public PoisonEventException(String message) {
        super(message);
    }

    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
