package dev.sculptor.registry.store;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.outbox.Outbox;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.platform.store.Rows;
import dev.sculptor.platform.store.Transactions;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Models, versions and aliases in PostgreSQL. Every change and its events commit in one
 * transaction (the outbox), and version numbers come from a row-locked counter on the model, so
 * concurrent registrations get distinct numbers and a rolled-back one leaves no gap.
 */
@ApplicationScoped
public class RegistryRepository {
    private static final Gson GSON = new Gson();

    @Inject
    AgroalDataSource ds;

    <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, work);
    }

    static void emit(Connection c, List<Outgoing> events) throws SQLException {
        for (Outgoing o : events) {
            Outbox.append(c, o.topic(), o.event());
        }
    }

    // ---- models ----

    public ModelRow createModel(String id, String displayName, String description, Map<String, String> labels,
            Function<ModelRow, List<Outgoing>> events) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO models (name, display_name, description, labels) "
                    + "VALUES (?, ?, ?, ?::jsonb) ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, id);
                ps.setString(2, displayName);
                ps.setString(3, description);
                ps.setString(4, GSON.toJson(labels));
                if (ps.executeUpdate() == 0) {
                    throw PlatformException.alreadyExists("models/" + id);
                }
            }
            ModelRow m = model(c, id, false);
            emit(c, events.apply(m));
            return m;
        });
    }

    public ModelRow getModel(String id) {
        return inTransaction(c -> model(c, id, false));
    }

    /** Models ordered by id, after {@code afterId} (exclusive), matching a filter. */
    public List<ModelRow> listModels(int limit, String afterId, ListFilter filter) {
        return inTransaction(c -> {
            StringBuilder sql = new StringBuilder("SELECT name FROM models WHERE name > ?");
            List<Object> args = new ArrayList<>(List.of(afterId == null ? "" : afterId));
            filter.appendWhere(sql, args);
            sql.append(" ORDER BY name LIMIT ?");
            args.add(limit);
            List<String> ids = Rows.list(c, sql, args, rs -> rs.getString(1));
            List<ModelRow> out = new ArrayList<>();
            for (String id : ids) {
                out.add(model(c, id, false));
            }
            return out;
        });
    }

    public ModelRow updateModel(String id, String displayName, String description, Map<String, String> labels) {
        return inTransaction(c -> {
            model(c, id, true);
            try (PreparedStatement ps = c.prepareStatement("UPDATE models SET display_name = COALESCE(?, display_name), "
                    + "description = COALESCE(?, description), labels = COALESCE(?::jsonb, labels), update_time = now() "
                    + "WHERE name = ?")) {
                ps.setString(1, displayName);
                ps.setString(2, description);
                ps.setString(3, labels == null ? null : GSON.toJson(labels));
                ps.setString(4, id);
                ps.executeUpdate();
            }
            return model(c, id, false);
        });
    }

    /** Deletes a model; with versions it needs {@code force}, which also deletes them and their aliases. */
    public ModelRow deleteModel(String id, boolean force, java.util.function.BiFunction<ModelRow, List<VersionRow>,
            List<Outgoing>> events) {
        return inTransaction(c -> {
            ModelRow m = model(c, id, true);
            int versions = count(c, "SELECT count(*) FROM versions WHERE model = ?", id);
            List<VersionRow> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT_VERSION + " WHERE model = ? ORDER BY number")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(versionOf(rs));
                    }
                }
            }
            if (versions > 0 && !force) {
                throw PlatformException.precondition("models/" + id + " has " + versions
                        + " version(s); delete them first or set force");
            }
            exec(c, "DELETE FROM aliases WHERE model = ?", id);
            exec(c, "DELETE FROM versions WHERE model = ?", id);
            exec(c, "DELETE FROM models WHERE name = ?", id);
            emit(c, events.apply(m, all));
            return m;
        });
    }

    private ModelRow model(Connection c, String id, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT name, display_name, description, labels::text, latest_version, "
                + "create_time, update_time FROM models WHERE name = ?" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw PlatformException.notFound("models/" + id);
                }
                Map<String, String> labels = GSON.fromJson(rs.getString(4), new TypeToken<Map<String, String>>() {}.getType());
                return new ModelRow(rs.getString(1), rs.getString(2), rs.getString(3), labels, rs.getInt(5),
                        rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(), aliases(c, id));
            }
        }
    }

    private Map<String, Integer> aliases(Connection c, String model) throws SQLException {
        Map<String, Integer> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT alias, version FROM aliases WHERE model = ? ORDER BY alias")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    // ---- versions ----

    /** What a registration stores once its number is known (the caller moves the checkpoint there). */
    @FunctionalInterface
    public interface VersionFactory {
        VersionRow build(int number) throws SQLException;
    }

    /** A version a registration with a request id created, and what that registration asked for (null if not recorded). */
    public record Earlier(VersionRow version, Map<String, String> fingerprint) {}

    /**
     * Allocates the next number under the model's row lock, builds the row (which may place the
     * checkpoint objects), inserts it and its events, and commits; any failure rolls all of it back.
     * When a registration with the same request id committed first, {@code retry} decides what the
     * call returns (or refuses) instead, and nothing is registered.
     */
    public VersionRow registerVersion(String model, String requestId, Map<String, String> fingerprint, VersionFactory factory,
            Function<Earlier, VersionRow> retry, Function<VersionRow, List<Outgoing>> events) {
        return inTransaction(c -> {
            if (requestId != null) {
                Earlier earlier = byRequestId(c, model, requestId);
                if (earlier != null) {
                    return retry.apply(earlier);
                }
            }
            int number;
            try (PreparedStatement ps = c.prepareStatement("UPDATE models SET latest_version = latest_version + 1, "
                    + "update_time = now() WHERE name = ? RETURNING latest_version")) {
                ps.setString(1, model);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw PlatformException.notFound("models/" + model);
                    }
                    number = rs.getInt(1);
                }
            }
            VersionRow v = factory.build(number);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO versions (model, number, description, tags, arch, "
                    + "metrics, claimed_metrics, lineage, checkpoint_prefix, manifest_sha256, size_bytes, params, flops, request_id, "
                    + "request_fingerprint) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb)")) {
                ps.setString(1, model);
                ps.setInt(2, number);
                ps.setString(3, v.description());
                ps.setArray(4, c.createArrayOf("text", v.tags().toArray()));
                ps.setString(5, v.archJson());
                ps.setString(6, GSON.toJson(v.metrics()));
                ps.setString(7, GSON.toJson(v.claimedMetrics()));
                ps.setString(8, v.lineageJson());
                ps.setString(9, v.checkpointPrefix());
                ps.setString(10, v.manifestSha256());
                ps.setLong(11, v.sizeBytes());
                ps.setLong(12, v.params());
                ps.setLong(13, v.flops());
                ps.setString(14, requestId);
                ps.setString(15, requestId == null ? null : GSON.toJson(fingerprint));
                ps.executeUpdate();
            }
            VersionRow stored = version(c, model, number);
            emit(c, events.apply(stored));
            return stored;
        });
    }

    /** The version an earlier registration with this request id created, or null. */
    public Earlier findByRequestId(String model, String requestId) {
        return inTransaction(c -> byRequestId(c, model, requestId));
    }

    private Earlier byRequestId(Connection c, String model, String requestId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT number, request_fingerprint::text FROM versions "
                + "WHERE model = ? AND request_id = ?")) {
            ps.setString(1, model);
            ps.setString(2, requestId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String fp = rs.getString(2);
                return new Earlier(version(c, model, rs.getInt(1)),
                        fp == null ? null : GSON.fromJson(fp, new TypeToken<Map<String, String>>() {}.getType()));
            }
        }
    }

    public VersionRow getVersion(String model, int number) {
        return inTransaction(c -> version(c, model, number));
    }

    /** The version an alias points to. */
    public VersionRow resolveAlias(String model, String alias) {
        return inTransaction(c -> {
            model(c, model, false);
            Integer n = aliases(c, model).get(alias);
            if (n == null) {
                throw PlatformException.notFound("alias '" + alias + "' of models/" + model);
            }
            return version(c, model, n);
        });
    }

    /**
     * Versions in number order (descending when {@code newestFirst}), after the cursor number
     * (exclusive; 0 = start), matching a filter.
     */
    public List<VersionRow> listVersions(String model, int limit, int after, boolean newestFirst, ListFilter filter) {
        return inTransaction(c -> {
            model(c, model, false);
            StringBuilder sql = new StringBuilder(SELECT_VERSION + " WHERE model = ?");
            List<Object> args = new ArrayList<>(List.of(model));
            if (after != 0) {
                sql.append(newestFirst ? " AND number < ?" : " AND number > ?");
                args.add(after);
            }
            filter.appendWhere(sql, args);
            sql.append(" ORDER BY number ").append(newestFirst ? "DESC" : "ASC").append(" LIMIT ?");
            args.add(limit);
            return Rows.list(c, sql, args, RegistryRepository::versionOf);
        });
    }

    public VersionRow updateVersion(String model, int number, String description, List<String> tags) {
        return inTransaction(c -> {
            version(c, model, number);
            try (PreparedStatement ps = c.prepareStatement("UPDATE versions SET description = COALESCE(?, description), "
                    + "tags = COALESCE(?, tags) WHERE model = ? AND number = ?")) {
                ps.setString(1, description);
                ps.setArray(2, tags == null ? null : c.createArrayOf("text", tags.toArray()));
                ps.setString(3, model);
                ps.setInt(4, number);
                ps.executeUpdate();
            }
            return version(c, model, number);
        });
    }

    /**
     * Deletes a version no alias points to and no version names as its lineage parent, or with
     * {@code force} despite both (its aliases go with it; its children keep its name as their
     * parent); returns it so the caller can remove its objects.
     */
    public VersionRow deleteVersion(String model, int number, boolean force,
            java.util.function.BiFunction<VersionRow, List<String>, List<Outgoing>> events) {
        return inTransaction(c -> {
            model(c, model, true);
            VersionRow v = version(c, model, number);
            List<String> pointing = new ArrayList<>();
            aliases(c, model).forEach((a, n) -> {
                if (n == number) {
                    pointing.add(a);
                }
            });
            if (!pointing.isEmpty() && force) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM aliases WHERE model = ? AND version = ?")) {
                    ps.setString(1, model);
                    ps.setInt(2, number);
                    ps.executeUpdate();
                }
            } else if (!pointing.isEmpty()) {
                throw PlatformException.precondition(v.name() + " is the target of alias(es) " + pointing
                        + "; move or delete them first, or set force");
            }
            if (!force) {
                refuseWithChildren(c, v);
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM versions WHERE model = ? AND number = ?")) {
                ps.setString(1, model);
                ps.setInt(2, number);
                ps.executeUpdate();
            }
            emit(c, events.apply(v, pointing));
            return v;
        });
    }

    /** FAILED_PRECONDITION when versions (of any model) name this one as their lineage parent. */
    private static void refuseWithChildren(Connection c, VersionRow v) throws SQLException {
        List<String> some = new ArrayList<>();
        int children = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT model, number, count(*) OVER () FROM versions "
                + "WHERE lineage ->> 'parentVersion' = ? ORDER BY model, number LIMIT 2")) {
            ps.setString(1, v.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    some.add("models/" + rs.getString(1) + "/versions/" + rs.getInt(2));
                    children = rs.getInt(3);
                }
            }
        }
        if (children > 0) {
            throw PlatformException.precondition(v.name() + " is the lineage parent of " + children + " version(s) ("
                    + String.join(", ", some) + (children > some.size() ? ", ..." : "") + "); set force to delete it anyway, "
                    + "and their lineage will show it as deleted");
        }
    }

    // ---- aliases ----

    /** Points an alias at a version; returns the version it pointed to before (0 if new). */
    public int setAlias(String model, String alias, int number, Long expected,
            java.util.function.IntFunction<List<Outgoing>> events) {
        return inTransaction(c -> {
            model(c, model, true);
            version(c, model, number);
            Integer before = aliases(c, model).get(alias);
            long current = before == null ? 0 : before;
            if (expected != null && current != expected) {
                throw PlatformException.precondition("alias " + alias + " points at version " + current
                        + ", not the expected " + expected);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO aliases (model, alias, version) VALUES (?, ?, ?) "
                    + "ON CONFLICT (model, alias) DO UPDATE SET version = EXCLUDED.version, update_time = now()")) {
                ps.setString(1, model);
                ps.setString(2, alias);
                ps.setInt(3, number);
                ps.executeUpdate();
            }
            int previous = before == null ? 0 : before;
            if (previous != number) {
                emit(c, events.apply(previous));
            }
            return previous;
        });
    }

    public int deleteAlias(String model, String alias, java.util.function.IntFunction<List<Outgoing>> events) {
        return inTransaction(c -> {
            model(c, model, true);
            Integer before = aliases(c, model).get(alias);
            if (before == null) {
                throw PlatformException.notFound("alias '" + alias + "' of models/" + model);
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM aliases WHERE model = ? AND alias = ?")) {
                ps.setString(1, model);
                ps.setString(2, alias);
                ps.executeUpdate();
            }
            emit(c, events.apply(before));
            return before;
        });
    }

    // ---- helpers ----

    private static final String SELECT_VERSION = "SELECT model, number, description, tags, arch::text, metrics::text, "
            + "lineage::text, checkpoint_prefix, manifest_sha256, size_bytes, params, flops, create_time, claimed_metrics::text "
            + "FROM versions";

    private VersionRow version(Connection c, String model, int number) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_VERSION + " WHERE model = ? AND number = ?")) {
            ps.setString(1, model);
            ps.setInt(2, number);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    // distinguish a missing model from a missing version for a precise NOT_FOUND
                    model(c, model, false);
                    throw PlatformException.notFound("models/" + model + "/versions/" + number);
                }
                return versionOf(rs);
            }
        }
    }

    private static VersionRow versionOf(ResultSet rs) throws SQLException {
        Array tags = rs.getArray(4);
        java.lang.reflect.Type type = new TypeToken<Map<String, Double>>() {}.getType();
        Map<String, Double> metrics = GSON.fromJson(rs.getString(6), type);
        Map<String, Double> claimed = GSON.fromJson(rs.getString(14), type);
        return new VersionRow(rs.getString(1), rs.getInt(2), rs.getString(3), Arrays.asList((String[]) tags.getArray()),
                rs.getString(5), metrics, claimed, rs.getString(7), rs.getString(8), rs.getString(9), rs.getLong(10), rs.getLong(11),
                rs.getLong(12), rs.getTimestamp(13).toInstant());
    }

    private static int count(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void exec(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            ps.executeUpdate();
        }
    }
}
