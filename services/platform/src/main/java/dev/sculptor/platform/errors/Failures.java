package dev.sculptor.platform.errors;

import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.StoreException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Sorts failures of the shared parts (store, datasets, checkpoints, the database) into codes:
 * UNAVAILABLE is worth retrying (a part is down), everything else will fail the same way again. A
 * service first sorts what only it knows (an engine refusal it deems the caller's mistake, say) and
 * hands the rest here. The database's own text (PostgreSQL's messages quote table names, values,
 * SQL) never becomes a failure's message: {@link #database} replaces it with a short one.
 */
public final class Failures {
    /** The prefix of a checkpoint that cannot be used, whichever part of it failed. */
    public static final String UNUSABLE_CHECKPOINT = "the stored checkpoint is unusable: ";
    /** The message of a database that cannot be reached or is overloaded. */
    public static final String DATABASE_UNAVAILABLE = "the database is unavailable; try again later";
    /** The message of any other database error (a bug, logged where it is answered). */
    public static final String DATABASE_ERROR = "internal error: the database refused the request";
    /** The message of a unique key that a concurrent request took first. */
    public static final String DATABASE_TAKEN = "already exists: a concurrent request created it";
    /** PostgreSQL's SQLSTATE of a unique violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private Failures() {}

    /**
     * The failure as a {@link PlatformException}; a database error as {@link #database} words it;
     * anything unknown is INTERNAL (a bug), named by its class.
     */
    public static PlatformException classify(Throwable e) {
        PlatformException db = database(e);
        if (db != null) {
            return db;
        }
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

    /**
     * A failure that carries the database's own text, with a short message instead (the cause keeps
     * the text, for the log); null when {@code e} carries none. That is any failure caused by an
     * {@link SQLException}, but a {@link PlatformException} whose message does not repeat the
     * database's (a service's own words, such as {@code pruneJobs/j already exists}). The code:
     * ALREADY_EXISTS for a unique violation already answered so; UNAVAILABLE when the database cannot
     * be reached, is shutting down, overloaded or broke off a transaction ({@link #databaseDown}),
     * worth retrying; INTERNAL otherwise (a query it refused, a value it could not store: a bug).
     */
    public static PlatformException database(Throwable e) {
        SQLException sql = null;
        boolean repeated = false;
        Throwable t = e;
        for (int depth = 0; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof SQLException s) {
                sql = sql == null ? s : sql;
                String text = s.getMessage();
                repeated |= text != null && !text.isBlank() && e.getMessage() != null && e.getMessage().contains(text);
            }
        }
        if (sql == null || e instanceof PlatformException && !repeated) {
            return null;
        }
        if (e instanceof PlatformException pe && pe.code() == Code.ALREADY_EXISTS && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
            return new PlatformException(Code.ALREADY_EXISTS, DATABASE_TAKEN, e);
        }
        return databaseDown(sql) ? new PlatformException(Code.UNAVAILABLE, DATABASE_UNAVAILABLE, e)
                : new PlatformException(Code.INTERNAL, DATABASE_ERROR, e);
    }

    /**
     * Whether a database error says the database is out of reach for now: a connection failure (SQLSTATE
     * class 08), too few resources (53), an operator's shutdown or a cancelled statement (57), a system
     * error (58), a serialization failure or deadlock (40), a transient or recoverable exception, or no
     * SQLSTATE at all (the connection pool's own errors, such as a timeout waiting for a connection).
     */
    static boolean databaseDown(SQLException e) {
        String state = e.getSQLState();
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException || state == null || state.length() < 2) {
            return true;
        }
        return switch (state.substring(0, 2)) {
            case "08", "40", "53", "57", "58" -> true;
            default -> false;
        };
    }

    /** Whether trying again later may succeed. */
    public static boolean retryable(Throwable e) {
        return classify(e).transientFailure();
    }
}
