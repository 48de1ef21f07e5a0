package dev.sculptor.evaluation.store;

import dev.sculptor.evaluation.service.Measurement;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.platform.outbox.Ended;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.platform.store.Table;
import dev.sculptor.platform.store.Transactions;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Evaluations in PostgreSQL. A finished evaluation, its {@code EvaluationCompleted} event (outbox)
 * and the id of the request event that asked for it commit in one transaction, so a redelivered
 * request can never produce a second event.
 */
@ApplicationScoped
public class EvaluationRepository {
    /** What ListEvaluations filters on (columns of {@code evaluations}). */
    public static final ListFilter.Fields FILTERABLE = ListFilter.fields("model_version", "prune_job")
            .withValues("state", List.of("PENDING", "RUNNING", "SUCCEEDED", "FAILED"));

    private static final Table<EvaluationRow> TABLE = new Table<>("evaluations", "seq, id, model_version, dataset_uri, test_subset, "
            + "state, state_message, prune_job, request_id, arch_name, accuracy, loss, params, flops, latency_ms, images_per_second, "
            + "latency_batch_size, evaluated_examples, create_time, end_time", EvaluationRepository::row);

    @Inject
    AgroalDataSource ds;

    <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, work);
    }

    public Optional<EvaluationRow> find(String id) {
        return inTransaction(c -> one(c, "id", id));
    }

    public Optional<EvaluationRow> findByRequestId(String requestId) {
        return inTransaction(c -> one(c, "request_id", requestId));
    }

    /** The stored body ({@code RequestBodies.body}) of the call that first used this request id; null when none was kept. */
    public byte[] requestBody(String requestId) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT request_body FROM evaluations WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    /**
     * Records an evaluation as RUNNING unless one with this id (or request id) exists; returns the
     * stored row, new or old.
     *
     * @param requestBody the call's request without its request id, kept beside {@code requestId}; or null
     */
    public EvaluationRow start(String id, String modelVersion, String datasetUri, int testSubset, String pruneJob, String requestId,
            byte[] requestBody) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO evaluations (id, model_version, dataset_uri, test_subset, "
                    + "state, prune_job, request_id, request_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, id);
                ps.setString(2, modelVersion);
                ps.setString(3, datasetUri);
                ps.setInt(4, testSubset);
                ps.setString(5, EvaluationRow.RUNNING);
                ps.setString(6, pruneJob);
                ps.setString(7, requestId);
                ps.setBytes(8, requestBody);
                ps.executeUpdate();
            }
            Optional<EvaluationRow> byId = one(c, "id", id);
            if (byId.isPresent()) {
                return byId.get();
            }
            return one(c, "request_id", requestId).orElseThrow();
        });
    }

    /**
     * Ends a running evaluation with its event and, when a request event asked for it, marks that
     * event processed. An evaluation already ended is left as it is, with no new event.
     *
     * @return the stored row, and whether this call ended it
     */
    public Ended<EvaluationRow> finish(String id, String state, String message, Measurement m, Function<EvaluationRow, EventEnvelope> event,
            String topic, String requestEventId) {
        return inTransaction(c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE evaluations SET state = ?, state_message = ?, arch_name = ?, "
                    + "accuracy = ?, loss = ?, params = ?, flops = ?, latency_ms = ?, images_per_second = ?, latency_batch_size = ?, "
                    + "evaluated_examples = ?, end_time = now() WHERE id = ? AND state NOT IN ('SUCCEEDED', 'FAILED')")) {
                ps.setString(1, state);
                ps.setString(2, message == null ? "" : message);
                ps.setString(3, m == null ? null : m.archName());
                setDouble(ps, 4, m == null ? null : finite(m.accuracy()));
                setDouble(ps, 5, m == null ? null : finite(m.loss()));
                setLong(ps, 6, m == null ? null : m.params());
                setLong(ps, 7, m == null ? null : m.flops());
                setDouble(ps, 8, m == null ? null : m.latencyMs());
                setDouble(ps, 9, m == null ? null : m.imagesPerSecond());
                ps.setInt(10, m == null ? 0 : m.latencyBatch());
                ps.setLong(11, m == null ? 0 : m.examples());
                ps.setString(12, id);
                updated = ps.executeUpdate();
            }
            EvaluationRow row = one(c, "id", id).orElseThrow(() -> PlatformException.notFound("evaluations/" + id));
            return Ended.commit(c, updated, row, event, topic, requestEventId);
        });
    }

    /** Marks a request event handled without any other change (e.g. a request for an evaluation that already ended). */
    public void markProcessed(String eventId) {
        inTransaction(c -> JdbcProcessedEvents.markProcessed(c, eventId));
    }

    /** Newest first, after the row with sequence {@code beforeSeq} (0: from the newest). */
    public List<EvaluationRow> list(int limit, long beforeSeq, ListFilter filter) {
        return inTransaction(c -> TABLE.newestFirst(c, filter, beforeSeq, limit));
    }

    private static Optional<EvaluationRow> one(Connection c, String column, String value) throws SQLException {
        return TABLE.one(c, column, value, false);
    }

    private static EvaluationRow row(ResultSet rs) throws SQLException {
        Measurement m = null;
        if (EvaluationRow.SUCCEEDED.equals(rs.getString("state"))) {
            m = new Measurement(rs.getString("arch_name"), null, dbl(rs, "accuracy"), dbl(rs, "loss"), rs.getLong("evaluated_examples"),
                    rs.getLong("params"), rs.getLong("flops"), (Double) rs.getObject("latency_ms"),
                    (Double) rs.getObject("images_per_second"), rs.getInt("latency_batch_size"));
        }
        Timestamp end = rs.getTimestamp("end_time");
        return new EvaluationRow(rs.getLong("seq"), rs.getString("id"), rs.getString("model_version"), rs.getString("dataset_uri"),
                rs.getInt("test_subset"), rs.getString("state"), rs.getString("state_message"), rs.getString("prune_job"),
                rs.getString("request_id"), m, rs.getTimestamp("create_time").toInstant(), end == null ? null : end.toInstant());
    }

    private static double dbl(ResultSet rs, String col) throws SQLException {
        Object o = rs.getObject(col);
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    private static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.DOUBLE);
        } else {
            ps.setDouble(i, v);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
