package dev.sculptor.engine.numerics;

/** The kernels of this machine compute wrong results in every configuration tried; the engine refuses to run. */
public final class NumericsException extends RuntimeException {
    public NumericsException(String message) {
        super(message);
    }
}
