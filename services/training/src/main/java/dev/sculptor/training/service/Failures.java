package dev.sculptor.training.service;

import dev.sculptor.engine.train.TrainingException;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;

/**
 * Training's reading of failures: a setting or an architecture the engine refuses
 * ({@link IllegalArgumentException}, {@code ArchException} included) is the request's mistake
 * (INVALID_ARGUMENT); a run the engine cannot train will fail the same way again
 * (FAILED_PRECONDITION) and ends the run; everything else as the platform sorts it (UNAVAILABLE is
 * retried).
 */
public final class Failures {
    private Failures() {}

    public static PlatformException classify(Throwable e) {
        if (e instanceof PlatformException pe) {
            return pe;
        }
        if (e instanceof IllegalArgumentException) {
            return new PlatformException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof TrainingException) {
            return new PlatformException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        return dev.sculptor.platform.errors.Failures.classify(e);
    }
}
