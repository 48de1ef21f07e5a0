package dev.sculptor.pruning.store;

import dev.sculptor.platform.store.Transactions;
import dev.sculptor.pruning.service.JobException;
import dev.sculptor.pruning.service.JobException.Code;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;

/**
 * Transactions on the service's database; a database failure is UNAVAILABLE (the caller may retry),
 * a unique violation ALREADY_EXISTS.
 */
@ApplicationScoped
public class Db {
    @Inject
    AgroalDataSource ds;

    public <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, Db::failure, work);
    }

    public AgroalDataSource dataSource() {
        return ds;
    }

    private static JobException failure(String message, SQLException e) {
        if ("23505".equals(e.getSQLState())) {
            return new JobException(Code.ALREADY_EXISTS, "already exists: " + e.getMessage(), e);
        }
        return new JobException(Code.UNAVAILABLE, message, e);
    }
}
