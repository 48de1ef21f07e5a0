package dev.sculptor.pruning.store;

import dev.sculptor.platform.store.Transactions;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Transactions on the service's database, with the platform's failures: a database error is UNAVAILABLE (the
 * caller may retry), a unique violation ALREADY_EXISTS.
 */
@ApplicationScoped
public class Db {
    @Inject
    AgroalDataSource ds;

    public <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, work);
    }

    public AgroalDataSource dataSource() {
        return ds;
    }
}
