package dev.sculptor.pruning.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.platform.store.Rows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Re-prune triggers in PostgreSQL, in name order. */
@ApplicationScoped
public class TriggerRepository {
    @Inject
    Db db;

    /** Stores a new trigger; ALREADY_EXISTS when the id is taken. */
    public RepruneTrigger insert(String id, RepruneTrigger t) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO reprune_triggers (id, trigger, model, alias, enabled) "
                    + "VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setBytes(2, t.toByteArray());
                ps.setString(3, t.getModel());
                ps.setString(4, t.getAlias());
                ps.setBoolean(5, t.getEnabled());
                ps.executeUpdate();
            }
            return t;
        });
    }

    public Optional<RepruneTrigger> find(String id) {
        return db.inTransaction(c -> one(c, id, false));
    }

    /** Replaces a trigger's stored resource; false when there is no such trigger. */
    public boolean update(String id, java.util.function.UnaryOperator<RepruneTrigger> change) {
        return db.inTransaction(c -> {
            Optional<RepruneTrigger> now = one(c, id, true);
            if (now.isEmpty()) {
                return false;
            }
            write(c, id, change.apply(now.get()));
            return true;
        });
    }

    public boolean delete(String id) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM reprune_triggers WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Triggers after {@code afterId} in id order; filter columns are trusted names. */
    public List<RepruneTrigger> list(int limit, String afterId, Map<String, Object> equals) {
        StringBuilder sql = new StringBuilder("SELECT trigger, id FROM reprune_triggers WHERE id > ?");
        List<Object> args = new ArrayList<>();
        args.add(afterId == null ? "" : afterId);
        equals.forEach((col, v) -> {
            sql.append(" AND ").append(col).append(" = ?");
            args.add(v);
        });
        sql.append(" ORDER BY id LIMIT ?");
        args.add(limit);
        return db.inTransaction(c -> Rows.list(c, sql, args, rs -> parse(rs.getBytes(1), rs.getString(2))));
    }

    /** The enabled triggers watching a model. */
    public List<RepruneTrigger> enabledFor(String model) {
        return list(10_000, "", Map.of("model", model, "enabled", true));
    }

    static void write(Connection c, String id, RepruneTrigger t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE reprune_triggers SET trigger = ?, alias = ?, enabled = ?, "
                + "update_time = now() WHERE id = ?")) {
            ps.setBytes(1, t.toByteArray());
            ps.setString(2, t.getAlias());
            ps.setBoolean(3, t.getEnabled());
            ps.setString(4, id);
            ps.executeUpdate();
        }
    }

    /** Records the job a trigger started, in the transaction that created the job. */
    public static void recordJob(Connection c, String id, String job) throws SQLException {
        Optional<RepruneTrigger> t = one(c, id, true);
        if (t.isPresent()) {
            write(c, id, t.get().toBuilder().setLastPruneJob(job).build());
        }
    }

    private static Optional<RepruneTrigger> one(Connection c, String id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT trigger, id FROM reprune_triggers WHERE id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(parse(rs.getBytes(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    private static RepruneTrigger parse(byte[] b, String id) throws SQLException {
        try {
            return RepruneTrigger.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new SQLException("stored trigger " + id + " is unreadable: " + e.getMessage(), e);
        }
    }
}
