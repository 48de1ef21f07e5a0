package dev.sculptor.platform.errors;

/**
 * The one exception of the services: a request refused or work that cannot go on, with the
 * canonical gRPC code it deserves (mapped to a status by {@code dev.sculptor.platform.grpc.GrpcCalls}).
 * The message already names the field or object; clients see it as the status description.
 */
public class PlatformException extends RuntimeException {
    /** The canonical gRPC codes the services produce, named as gRPC names them. */
    public enum Code {
        INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, PERMISSION_DENIED, UNAUTHENTICATED,
        RESOURCE_EXHAUSTED, UNIMPLEMENTED, UNAVAILABLE, INTERNAL
    }

    private final Code code;

    public PlatformException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public PlatformException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    /** Whether trying again later may succeed (a part of the platform was down): UNAVAILABLE. */
    public boolean transientFailure() {
        return code == Code.UNAVAILABLE;
    }

    /** INVALID_ARGUMENT, {@code "field: problem"}. */
    public static PlatformException invalid(String field, String problem) {
        return new PlatformException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    /** NOT_FOUND, {@code "what not found"}. */
    public static PlatformException notFound(String what) {
        return new PlatformException(Code.NOT_FOUND, what + " not found");
    }

    /** ALREADY_EXISTS, {@code "what already exists"}. */
    public static PlatformException alreadyExists(String what) {
        return new PlatformException(Code.ALREADY_EXISTS, what + " already exists");
    }

    /** FAILED_PRECONDITION: the request is fine, the state of things is not. */
    public static PlatformException precondition(String message) {
        return new PlatformException(Code.FAILED_PRECONDITION, message);
    }

    /** UNAVAILABLE: a part of the platform is down; trying again later may succeed. */
    public static PlatformException unavailable(String message, Throwable cause) {
        return new PlatformException(Code.UNAVAILABLE, message, cause);
    }

    /** UNIMPLEMENTED: a valid request this service does not serve. */
    public static PlatformException unimplemented(String message) {
        return new PlatformException(Code.UNIMPLEMENTED, message);
    }

    /** INTERNAL: a bug. */
    public static PlatformException internal(String message, Throwable cause) {
        return new PlatformException(Code.INTERNAL, message, cause);
    }
}
