package dev.sculptor.scoring.service;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.errors.PlatformException;

/**
 * Scoring's reading of failures: the engine refusing a method or policy for an architecture is the
 * request's mistake (INVALID_ARGUMENT); everything else as the platform sorts it.
 */
public final class Failures {
    private Failures() {}

    public static PlatformException classify(Throwable e) {
        if (e instanceof ArchException) {
            return new PlatformException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        return dev.sculptor.platform.errors.Failures.classify(e);
    }
}
