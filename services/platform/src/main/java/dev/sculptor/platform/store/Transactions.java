package dev.sculptor.platform.store;

import dev.sculptor.platform.errors.PlatformException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One JDBC transaction around a piece of work: commit when it returns, roll back when it throws.
 * A database error becomes a {@link PlatformException}: UNAVAILABLE (the database may be down, the
 * caller may retry), or ALREADY_EXISTS for a unique key taken by a concurrent insert.
 */
public final class Transactions {
    /** PostgreSQL's SQLSTATE of a unique violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private Transactions() {}

    /** Work on the transaction's connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** The exception a database error becomes; {@code message} is {@code "database error: ..."}. */
    @FunctionalInterface
    public interface Failure {
        RuntimeException of(String message, SQLException cause);
    }

    public static <T> T inTransaction(DataSource ds, Work<T> work) {
        return inTransaction(ds, Transactions::failure, work);
    }

    /** As {@link #inTransaction(DataSource, Work)}, with the caller's own exception for a database error. */
    public static <T> T inTransaction(DataSource ds, Failure failure, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T out = work.run(c);
                c.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure.of("database error: " + e.getMessage(), e);
        }
    }

    private static PlatformException failure(String message, SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return new PlatformException(PlatformException.Code.ALREADY_EXISTS, "already exists: " + e.getMessage(), e);
        }
        return PlatformException.unavailable(message, e);
    }
}
