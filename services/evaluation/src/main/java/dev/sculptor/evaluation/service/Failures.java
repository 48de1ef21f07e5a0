package dev.sculptor.evaluation.service;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.evaluation.service.EvaluationException.Code;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.StoreException;

/**
 * Sorts failures from the store, the datasets and the engine into status codes: UNAVAILABLE is
 * worth retrying (a part is down), everything else will fail the same way again.
 */
public final class Failures {
    private Failures() {}

    public static EvaluationException classify(Throwable e) {
        if (e instanceof EvaluationException ee) {
            return ee;
        }
        if (e instanceof PlatformException pe) {
            // every code of the shared code is one of this service's
            return new EvaluationException(Code.valueOf(pe.code().name()), pe.getMessage(), pe);
        }
        if (e instanceof DatasetException.Invalid) {
            return new EvaluationException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof DatasetException || e instanceof DataException) {
            return new EvaluationException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof StoreException.Unavailable) {
            return new EvaluationException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof StoreException.NotFound) {
            return new EvaluationException(Code.NOT_FOUND, e.getMessage(), e);
        }
        if (e instanceof StoreException.Corrupt || e instanceof CheckpointException) {
            return new EvaluationException(Code.FAILED_PRECONDITION, "the stored checkpoint is unusable: " + e.getMessage(), e);
        }
        if (e instanceof StoreException) {
            return new EvaluationException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof ArchException) {
            return new EvaluationException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof java.io.UncheckedIOException) {
            return new EvaluationException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        return new EvaluationException(Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    /** Whether trying again later may succeed. */
    public static boolean retryable(Throwable e) {
        return classify(e).code() == Code.UNAVAILABLE;
    }
}
