package dev.sculptor.evaluation.service;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;

/**
 * Evaluation's reading of failures: a checkpoint whose architecture the engine cannot build will
 * fail the same way again (FAILED_PRECONDITION); everything else as the platform sorts it.
 */
public final class Failures {
    private Failures() {}

    public static PlatformException classify(Throwable e) {
        if (e instanceof ArchException) {
            return new PlatformException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        return dev.sculptor.platform.errors.Failures.classify(e);
    }
}
