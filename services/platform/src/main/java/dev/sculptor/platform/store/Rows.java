package dev.sculptor.platform.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reading rows with plain JDBC. */
public final class Rows {
    private Rows() {}

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Every row of a parametrised query ({@code args} bound in order with {@code setObject}), mapped. */
    public static <T> List<T> list(Connection c, CharSequence sql, List<?> args, Mapper<T> mapper) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
            }
            return out;
        }
    }

    /**
     * A page of a table with a {@code seq} column, newest first: the rows matching {@code filter}
     * below {@code beforeSeq} (0: from the newest), at most {@code limit}.
     */
    public static <T> List<T> newestFirst(Connection c, String table, String columns, ListFilter filter, long beforeSeq, int limit,
            Mapper<T> mapper) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + columns + " FROM " + table + " WHERE true");
        List<Object> args = new ArrayList<>();
        if (beforeSeq > 0) {
            sql.append(" AND seq < ?");
            args.add(beforeSeq);
        }
        filter.appendWhere(sql, args);
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(limit);
        return list(c, sql, args, mapper);
    }

    /** A nullable timestamp column as an instant. */
    public static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
