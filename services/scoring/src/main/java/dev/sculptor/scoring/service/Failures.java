package dev.sculptor.scoring.service;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.scoring.service.ScoringException.Code;

/**
 * Sorts failures from the store and the engine into status codes: UNAVAILABLE is worth retrying
 * (a part is down), everything else will fail the same way again.
 */
public final class Failures {
    private Failures() {}

    public static ScoringException classify(Throwable e) {
        if (e instanceof ScoringException se) {
            return se;
        }
        if (e instanceof PlatformException pe) {
            // every code of the shared code is one of this service's
            return new ScoringException(Code.valueOf(pe.code().name()), pe.getMessage(), pe);
        }
        if (e instanceof ArchException) {
            // the engine refuses a method or policy for this architecture
            return new ScoringException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof DatasetException.Invalid) {
            return new ScoringException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof DatasetException || e instanceof DataException) {
            return new ScoringException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof StoreException.Unavailable) {
            return new ScoringException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof StoreException.NotFound) {
            return new ScoringException(Code.NOT_FOUND, e.getMessage(), e);
        }
        if (e instanceof StoreException.Corrupt || e instanceof CheckpointException) {
            return new ScoringException(Code.FAILED_PRECONDITION, "the stored checkpoint is unusable: " + e.getMessage(), e);
        }
        if (e instanceof StoreException || e instanceof java.io.UncheckedIOException) {
            return new ScoringException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        return new ScoringException(Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
}
