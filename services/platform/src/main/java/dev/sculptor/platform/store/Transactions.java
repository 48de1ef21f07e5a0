package dev.sculptor.platform.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * One JDBC transaction around a piece of work: commit when it returns, roll back when it throws. A
 * database error becomes the caller's own exception (its services retry UNAVAILABLE), so the
 * platform does not decide any service's error type.
 */
public final class Transactions {
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
}
