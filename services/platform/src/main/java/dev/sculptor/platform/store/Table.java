package dev.sculptor.platform.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * A service's table of resources read whole: its name, the columns read, and how a row becomes the
 * service's record. The lookups every repository makes (by id or request id, a newest-first page).
 */
public record Table<R>(String name, String columns, Rows.Mapper<R> mapper) {
    /** The row whose {@code column} equals {@code value}; empty when none (or {@code value} is null). */
    public Optional<R> one(Connection c, String column, Object value, boolean forUpdate) throws SQLException {
        if (value == null) {
            return Optional.empty();
        }
        List<R> rows = Rows.list(c, "SELECT " + columns + " FROM " + name + " WHERE " + column + " = ?"
                + (forUpdate ? " FOR UPDATE" : ""), List.of(value), mapper);
        return rows.stream().findFirst();
    }

    /** A page newest first, as {@link Rows#newestFirst}. */
    public List<R> newestFirst(Connection c, ListFilter filter, long beforeSeq, int limit) throws SQLException {
        return Rows.newestFirst(c, name, columns, filter, beforeSeq, limit, mapper);
    }
}
