package dev.sculptor.pruning.service;

import dev.sculptor.platform.errors.CodedFailure;

/** A request the service refuses or a step that cannot go on; the code maps to a canonical gRPC status at the edge. */
public final class JobException extends RuntimeException implements CodedFailure {
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, PERMISSION_DENIED, UNAVAILABLE, INTERNAL }

    private final Code code;

    public JobException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public JobException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    @Override
    public Code code() {
        return code;
    }

    /** Whether trying again later may succeed (a part of the platform was down). */
    public boolean transientFailure() {
        return code == Code.UNAVAILABLE;
    }

    public static JobException invalid(String field, String problem) {
        return new JobException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static JobException notFound(String what) {
        return new JobException(Code.NOT_FOUND, what + " not found");
    }

    public static JobException precondition(String message) {
        return new JobException(Code.FAILED_PRECONDITION, message);
    }
}
