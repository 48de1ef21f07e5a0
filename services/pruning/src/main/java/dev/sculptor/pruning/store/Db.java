package dev.sculptor.pruning.store;

import dev.sculptor.pruning.service.JobException;
import dev.sculptor.pruning.service.JobException.Code;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** Transactions on the service's database; a database failure is UNAVAILABLE (the caller may retry). */
@ApplicationScoped
public class Db {
    @Inject
    AgroalDataSource ds;

    @FunctionalInterface
    public interface Tx<T> {
        T run(Connection c) throws SQLException;
    }

    public <T> T inTransaction(Tx<T> work) {
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
            if ("23505".equals(e.getSQLState())) {
                throw new JobException(Code.ALREADY_EXISTS, "already exists: " + e.getMessage(), e);
            }
            throw new JobException(Code.UNAVAILABLE, "database error: " + e.getMessage(), e);
        }
    }

    public AgroalDataSource dataSource() {
        return ds;
    }

    static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp t = rs.getTimestamp(col);
        return t == null ? null : t.toInstant();
    }
}
