package dev.sculptor.evaluation.service;

import dev.sculptor.platform.errors.CodedFailure;

/** A request the service refuses or cannot serve; the code maps to a canonical gRPC status at the edge. */
public final class EvaluationException extends RuntimeException implements CodedFailure {
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL }

    private final Code code;

    public EvaluationException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public EvaluationException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    @Override
    public Code code() {
        return code;
    }

    public static EvaluationException invalid(String field, String problem) {
        return new EvaluationException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static EvaluationException notFound(String what) {
        return new EvaluationException(Code.NOT_FOUND, what + " not found");
    }
}
