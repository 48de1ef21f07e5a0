package dev.sculptor.training.service;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.engine.train.TrainingException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.StoreException;
import dev.sculptor.training.service.RunException.Code;

/**
 * Sorts failures from the store, the datasets and the engine into status codes: UNAVAILABLE is
 * worth retrying (a part is down), everything else will fail the same way again and ends the run.
 */
public final class Failures {
    private Failures() {}

    public static RunException classify(Throwable e) {
        if (e instanceof RunException te) {
            return te;
        }
        if (e instanceof PlatformException pe) {
            // every code of the shared code is one of this service's
            return new RunException(Code.valueOf(pe.code().name()), pe.getMessage(), pe);
        }
        if (e instanceof DatasetException.Invalid || e instanceof IllegalArgumentException) {
            return new RunException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof DatasetException || e instanceof DataException) {
            return new RunException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof StoreException.Unavailable) {
            return new RunException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof StoreException.NotFound) {
            return new RunException(Code.NOT_FOUND, e.getMessage(), e);
        }
        if (e instanceof StoreException.Corrupt || e instanceof CheckpointException) {
            return new RunException(Code.FAILED_PRECONDITION,
                    "the checkpoint is unusable: " + e.getMessage(), e);
        }
        if (e instanceof StoreException) {
            return new RunException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof ArchException || e instanceof TrainingException) {
            return new RunException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof java.io.UncheckedIOException) {
            return new RunException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        return new RunException(Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    /** Whether trying again later may succeed. */
    public static boolean retryable(Throwable e) {
        return classify(e).code() == Code.UNAVAILABLE;
    }
}
