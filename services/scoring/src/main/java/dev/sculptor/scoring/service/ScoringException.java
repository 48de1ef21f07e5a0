package dev.sculptor.scoring.service;

import dev.sculptor.platform.errors.CodedFailure;

/** A request the service refuses or cannot serve; the code maps to a canonical gRPC status at the edge. */
public final class ScoringException extends RuntimeException implements CodedFailure {
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE, UNIMPLEMENTED, INTERNAL }

    private final Code code;

    public ScoringException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public ScoringException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    @Override
    public Code code() {
        return code;
    }

    public static ScoringException invalid(String field, String problem) {
        return new ScoringException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static ScoringException notFound(String what) {
        return new ScoringException(Code.NOT_FOUND, what + " not found");
    }
}
