package dev.sculptor.platform.errors;

/**
 * A request that shared code refuses or cannot serve, with the canonical gRPC code it deserves.
 * Services translate it into their own exception (their {@code Failures.classify}), so the platform
 * stays free of any one service's error type; the message already names the field or object.
 */
public class PlatformException extends RuntimeException implements CodedFailure {
    /** The subset of canonical gRPC codes shared code produces. */
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL }

    private final Code code;

    public PlatformException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public PlatformException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    @Override
    public Code code() {
        return code;
    }

    /** INVALID_ARGUMENT, {@code "field: problem"}. */
    public static PlatformException invalid(String field, String problem) {
        return new PlatformException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    /** NOT_FOUND, {@code "what not found"}. */
    public static PlatformException notFound(String what) {
        return new PlatformException(Code.NOT_FOUND, what + " not found");
    }
}
