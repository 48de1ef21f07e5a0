package dev.sculptor.registry.service;

/** A request the registry refuses; the code maps to a canonical gRPC status at the edge. */
public final class RegistryException extends RuntimeException {
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNAVAILABLE, INTERNAL }

    private final Code code;

    public RegistryException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public RegistryException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    public static RegistryException invalid(String field, String problem) {
        return new RegistryException(Code.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static RegistryException notFound(String what) {
        return new RegistryException(Code.NOT_FOUND, what + " not found");
    }
}
