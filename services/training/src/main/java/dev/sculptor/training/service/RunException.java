package dev.sculptor.training.service;

import dev.sculptor.platform.errors.CodedFailure;

/** A request the service refuses or a run that cannot go on; the code maps to a canonical gRPC status at the edge. */
public final class RunException extends RuntimeException implements CodedFailure {
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL }

    private final Code code;

    public RunException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public RunException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    @Override
    public Code code() {
        return code;
    }

    public static RunException invalid(String field, String problem) {
        return new RunException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static RunException notFound(String what) {
        return new RunException(Code.NOT_FOUND, what + " not found");
    }
}
