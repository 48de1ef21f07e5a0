package dev.sculptor.engine.data;

import java.nio.file.Path;

/**
 * A dataset on disk is missing, malformed or inconsistent.
 *
 * <p>Unchecked because there is nothing a caller can do but report it; the message is a single
 * line that starts with the offending file or directory, so it can be shown to a user as is.
 */
public final class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Builds the conventional {@code "<path>: <problem>"} message. */
    static DataException at(Path path, String problem) {
        return new DataException(path + ": " + problem);
    }

    static DataException at(Path path, String problem, Throwable cause) {
        return new DataException(path + ": " + problem, cause);
    }
}
