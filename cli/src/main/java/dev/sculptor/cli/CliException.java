package dev.sculptor.cli;

/**
 * A failure meant for people: its message is shown as one line, {@code sculptor: <message>}, and the command exits
 * with {@link #code()} (1 for a failure, 2 for bad usage).
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code of a failed command. */
    static final int FAILURE = 1;
    /** Exit code of a command line that cannot be run as given. */
    static final int USAGE = 2;

    private final int code;

    private CliException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The command was understood but failed (exit 1). */
    static CliException failure(String message) {
        return new CliException(FAILURE, message, null);
    }

    static CliException failure(String message, Throwable cause) {
        return new CliException(FAILURE, message, cause);
    }

    /** The command line is wrong: a malformed name, conflicting options (exit 2). */
    static CliException usage(String message) {
        return new CliException(USAGE, message, null);
    }

    int code() {
        return code;
    }
}
