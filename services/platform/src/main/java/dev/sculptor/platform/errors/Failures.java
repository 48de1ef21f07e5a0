package dev.sculptor.platform.errors;

import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.StoreException;
import java.io.UncheckedIOException;

/**
 * Sorts failures of the shared parts (store, datasets, checkpoints) into codes: UNAVAILABLE is worth
 * retrying (a part is down), everything else will fail the same way again. A service first sorts
 * what only it knows (an engine refusal it deems the caller's mistake, say) and hands the rest here.
 */
public final class Failures {
    /** The prefix of a checkpoint that cannot be used, whichever part of it failed. */
    public static final String UNUSABLE_CHECKPOINT = "the stored checkpoint is unusable: ";

    private Failures() {}

    /** The failure as a {@link PlatformException}; anything unknown is INTERNAL (a bug), named by its class. */
    public static PlatformException classify(Throwable e) {
        if (e instanceof PlatformException pe) {
            return pe;
        }
        if (e instanceof DatasetException.Invalid) {
            return new PlatformException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        }
        if (e instanceof DatasetException || e instanceof DataException) {
            return new PlatformException(Code.FAILED_PRECONDITION, e.getMessage(), e);
        }
        if (e instanceof StoreException.Unavailable) {
            return new PlatformException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        if (e instanceof StoreException.NotFound) {
            return new PlatformException(Code.NOT_FOUND, e.getMessage(), e);
        }
        if (e instanceof StoreException.Corrupt || e instanceof CheckpointException) {
            return new PlatformException(Code.FAILED_PRECONDITION, UNUSABLE_CHECKPOINT + e.getMessage(), e);
        }
        if (e instanceof StoreException || e instanceof UncheckedIOException) {
            return new PlatformException(Code.UNAVAILABLE, e.getMessage(), e);
        }
        return new PlatformException(Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    /** Whether trying again later may succeed. */
    public static boolean retryable(Throwable e) {
        return classify(e).transientFailure();
    }
}
