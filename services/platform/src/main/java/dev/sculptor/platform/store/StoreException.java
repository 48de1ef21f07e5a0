package dev.sculptor.platform.store;

/** An object-store failure with a message naming the endpoint or object and what went wrong. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The store could not be reached at all (down, wrong endpoint). */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The object or prefix does not exist. */
    public static final class NotFound extends StoreException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** The bytes read back do not have the SHA-256 recorded when they were written. */
    public static final class Corrupt extends StoreException {
        public Corrupt(String message) {
            super(message);
        }
    }
}
