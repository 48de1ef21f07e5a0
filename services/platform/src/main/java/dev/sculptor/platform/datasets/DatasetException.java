package dev.sculptor.platform.datasets;

/** A {@code DatasetRef} uri that cannot be used; the message starts with the uri (the start of a long one). */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    /** The uri is malformed or names something this service may not read (INVALID_ARGUMENT). */
    public static final class Invalid extends DatasetException {
        public Invalid(String uri, String problem) {
            super("dataset '" + DatasetResolver.echo(uri) + "': " + problem);
        }
    }

    /** The uri is well-formed but its files are not there (FAILED_PRECONDITION). */
    public static final class Missing extends DatasetException {
        public Missing(String uri, String problem) {
            super("dataset '" + DatasetResolver.echo(uri) + "': " + problem);
        }
    }
}
