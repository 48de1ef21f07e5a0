package dev.sculptor.engine.train;

/** A training run that cannot go on (diverged, bad resume state); the message says why. */
public final class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
