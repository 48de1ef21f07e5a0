package dev.sculptor.training.store;

import static dev.sculptor.platform.store.Rows.instant;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.outbox.Ended;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.platform.outbox.Outbox;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Training runs in PostgreSQL. Every event (progress, completion) commits in the transaction of
 * the state change it reports (outbox), and a run's end commits with the id of the request event
 * that asked for it, so a redelivered request never produces a second completion.
 */
@ApplicationScoped
public class TrainingRepository {
    /** What ListTrainingRuns filters on (columns of {@code training_runs}). */
    public static final ListFilter.Fields FILTERABLE = ListFilter.fields("model_version", "prune_job", "retrain_mode")
            .withValues("state", List.of(RunRow.QUEUED, RunRow.RUNNING, RunRow.SUCCEEDED, RunRow.FAILED, RunRow.CANCELLED));

    private static final Table<RunRow> TABLE = new Table<>("training_runs", "seq, id, request, model_version, retrain_mode, prune_job, "
            + "state, epochs, current_epoch, checkpoint_epoch, progress, attempts, failure_reason, last_error, cancel_requested, "
            + "output_uri, output_sha256, metrics, owner, heartbeat_time, create_time, start_time, update_time, end_time",
            TrainingRepository::row);

    @Inject
    AgroalDataSource ds;

    <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.inTransaction(ds, work);
    }

    public Optional<RunRow> find(String id) {
        return inTransaction(c -> one(c, id, false));
    }

    /** Records a run as QUEUED unless one with this id exists; returns the stored row, new or old. */
    public RunRow create(String id, byte[] request, String modelVersion, String retrainMode, String pruneJob, int epochs) {
        return inTransaction(c -> {
            insert(c, id, request, modelVersion, retrainMode, pruneJob, epochs, null, null);
            return one(c, id, false).orElseThrow();
        });
    }

    /** The run a CreateTrainingRun call with this request id created. */
    public Optional<RunRow> findByRequestId(String requestId) {
        return inTransaction(c -> oneByRequestId(c, requestId));
    }

    /** The body of the CreateTrainingRun call that used this request id first (AIP-155); null when none was kept. */
    public byte[] requestBody(String requestId) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT request_body FROM training_runs WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    /** What CreateTrainingRun stored: a new run, or the one an earlier call with the same request id created. */
    public record Created(RunRow row, boolean created) {}

    /**
     * CreateTrainingRun: records the run QUEUED and its {@code TrainingRequested} in the outbox in one
     * transaction, so the request reaches the workers exactly when the run exists.
     *
     * @param requestId the caller's idempotency key, or null
     * @param requestBody the call's request without its request id ({@code RequestBodies.body}), or null
     * @throws PlatformException ALREADY_EXISTS when another request took the id
     */
    public Created createRequested(String id, byte[] request, String modelVersion, String retrainMode, int epochs, String requestId,
            byte[] requestBody, EventEnvelope event, String topic) {
        return inTransaction(c -> {
            if (insert(c, id, request, modelVersion, retrainMode, "", epochs, requestId, requestBody)) {
                Outbox.append(c, topic, event);
                return new Created(one(c, id, false).orElseThrow(), true);
            }
            Optional<RunRow> earlier = oneByRequestId(c, requestId);
            if (earlier.isPresent()) {
                return new Created(earlier.get(), false);
            }
            throw PlatformException.alreadyExists("trainingRuns/" + id);
        });
    }

    /** What a claim found. */
    public enum ClaimResult { CLAIMED, TERMINAL, BUSY }

    public record Claim(ClaimResult result, RunRow row) {}

    /**
     * Takes a run for this replica: a queued run, a running one this replica owned (it restarted),
     * or one whose owner has been silent for longer than the lease. Each claim counts an attempt.
     * A run whose owner's name starts with {@code predecessors} (an earlier pod of the same Kubernetes Job,
     * gone when the next one starts) is taken over without waiting for the lease; null: none.
     */
    public Claim claim(String id, String owner, Duration lease, String predecessors) {
        return inTransaction(c -> {
            RunRow r = one(c, id, true).orElseThrow(() -> PlatformException.notFound("trainingRuns/" + id));
            if (r.terminal()) {
                return new Claim(ClaimResult.TERMINAL, r);
            }
            boolean predecessor = predecessors != null && r.owner() != null && r.owner().startsWith(predecessors);
            if (RunRow.RUNNING.equals(r.state()) && r.owner() != null && !r.owner().equals(owner) && !predecessor && r.heartbeatTime() != null
                    && r.heartbeatTime().isAfter(Instant.now().minus(lease))) {
                return new Claim(ClaimResult.BUSY, r);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = ?, owner = ?, heartbeat_time = now(), "
                    + "attempts = attempts + 1, start_time = COALESCE(start_time, now()), update_time = now() WHERE id = ?")) {
                ps.setString(1, RunRow.RUNNING);
                ps.setString(2, owner);
                ps.setString(3, id);
                ps.executeUpdate();
            }
            return new Claim(ClaimResult.CLAIMED, one(c, id, false).orElseThrow());
        });
    }

    /**
     * Says the owner is alive, with the latest in-epoch progress (null: unchanged).
     *
     * @return false when the run should stop: cancel requested, ended, or taken over by another replica
     */
    public boolean heartbeat(String id, String owner, int currentEpoch, byte[] progress) {
        return inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET heartbeat_time = now(), current_epoch = ?, "
                    + "progress = COALESCE(?, progress), update_time = CASE WHEN ? THEN now() ELSE update_time END "
                    + "WHERE id = ? AND owner = ? AND state = 'RUNNING' RETURNING cancel_requested")) {
                ps.setInt(1, currentEpoch);
                ps.setBytes(2, progress);
                ps.setBoolean(3, progress != null);
                ps.setString(4, id);
                ps.setString(5, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && !rs.getBoolean(1);
                }
            }
        });
    }

    /** An epoch finished and its checkpoint is in the store: the run's progress and its TrainingProgress event. */
    public RunRow epochDone(String id, String owner, int epoch, byte[] progress, Function<RunRow, EventEnvelope> event, String topic) {
        return inTransaction(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET current_epoch = ?, checkpoint_epoch = ?, "
                    + "progress = ?, heartbeat_time = now(), update_time = now() WHERE id = ? AND owner = ? AND state = 'RUNNING'")) {
                ps.setInt(1, epoch);
                ps.setInt(2, epoch);
                ps.setBytes(3, progress);
                ps.setString(4, id);
                ps.setString(5, owner);
                n = ps.executeUpdate();
            }
            RunRow row = one(c, id, false).orElseThrow();
            if (n == 1) {
                Outbox.append(c, topic, event.apply(row));
            }
            return row;
        });
    }

    /** Notes why an attempt stopped without ending the run; shown as the failure reason if the run later gives up. */
    public void recordError(String id, String message) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET last_error = ? WHERE id = ?")) {
                ps.setString(1, message == null ? "" : message);
                ps.setString(2, id);
                return ps.executeUpdate();
            }
        });
    }

    /** How a run ended. */
    public record Ending(String state, String failureReason, String outputUri, String outputSha256, byte[] metrics) {}

    /**
     * Ends a run that has not ended, with its TrainingCompleted event, and marks the request event
     * processed when one is given. A run already ended is left as it is, with no new event.
     */
    public Ended<RunRow> finish(String id, Ending end, Function<RunRow, EventEnvelope> event, String topic, String requestEventId) {
        return inTransaction(c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = ?, failure_reason = ?, output_uri = ?, "
                    + "output_sha256 = ?, metrics = ?, end_time = now(), update_time = now(), owner = NULL "
                    + "WHERE id = ? AND state NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")) {
                ps.setString(1, end.state());
                ps.setString(2, end.failureReason() == null ? "" : end.failureReason());
                ps.setString(3, end.outputUri());
                ps.setString(4, end.outputSha256());
                ps.setBytes(5, end.metrics());
                ps.setString(6, id);
                updated = ps.executeUpdate();
            }
            RunRow row = one(c, id, false).orElseThrow(() -> PlatformException.notFound("trainingRuns/" + id));
            return Ended.commit(c, updated, row, event, topic, requestEventId);
        });
    }

    /**
     * Cancel: a queued run, or a running one whose owner went silent, ends CANCELLED now (with its
     * event); a run that a live replica trains is flagged and that replica stops after its current step.
     *
     * @return the row after the call and whether it ended now
     */
    public Ended<RunRow> cancel(String id, Duration lease, Function<RunRow, EventEnvelope> event, String topic) {
        return inTransaction(c -> {
            RunRow r = one(c, id, true).orElseThrow(() -> PlatformException.notFound("trainingRuns/" + id));
            if (r.terminal()) {
                throw PlatformException.precondition(r.name() + " already ended " + r.state() + "; only a queued or "
                        + "running run can be cancelled");
            }
            boolean live = RunRow.RUNNING.equals(r.state()) && r.owner() != null && r.heartbeatTime() != null
                    && r.heartbeatTime().isAfter(Instant.now().minus(lease));
            if (live) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET cancel_requested = true, update_time = now() "
                        + "WHERE id = ?")) {
                    ps.setString(1, id);
                    ps.executeUpdate();
                }
                return new Ended<>(one(c, id, false).orElseThrow(), false);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE training_runs SET state = 'CANCELLED', cancel_requested = true, "
                    + "failure_reason = '', end_time = now(), update_time = now(), owner = NULL WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return Ended.commit(c, 1, one(c, id, false).orElseThrow(), event, topic, null);
        });
    }

    /** Runs not ended (QUEUED or RUNNING), oldest first: what the Kubernetes launcher's reconciler checks against the Jobs. */
    public List<RunRow> unfinished() {
        return inTransaction(c -> {
            List<RunRow> out = new java.util.ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TABLE.columns() + " FROM training_runs WHERE state IN ('QUEUED', "
                    + "'RUNNING') ORDER BY seq")) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
            }
            return out;
        });
    }

    /** Marks a request event handled without any other change (e.g. a request for a run that already ended). */
    public void markProcessed(String eventId) {
        inTransaction(c -> JdbcProcessedEvents.markProcessed(c, eventId));
    }

    /** Newest first, after the row with sequence {@code beforeSeq} (0: from the newest). */
    public List<RunRow> list(int limit, long beforeSeq, ListFilter filter) {
        return inTransaction(c -> TABLE.newestFirst(c, filter, beforeSeq, limit));
    }

    /** Inserts a QUEUED run unless its id (or request id) is taken; true when it did. */
    private static boolean insert(Connection c, String id, byte[] request, String modelVersion, String retrainMode, String pruneJob,
            int epochs, String requestId, byte[] requestBody) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO training_runs (id, request, model_version, retrain_mode, "
                + "prune_job, state, epochs, request_id, request_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, id);
            ps.setBytes(2, request);
            ps.setString(3, modelVersion);
            ps.setString(4, retrainMode);
            ps.setString(5, pruneJob);
            ps.setString(6, RunRow.QUEUED);
            ps.setInt(7, epochs);
            ps.setString(8, requestId);
            ps.setBytes(9, requestBody);
            return ps.executeUpdate() == 1;
        }
    }

    private static Optional<RunRow> one(Connection c, String id, boolean forUpdate) throws SQLException {
        return oneWhere(c, "id", id, forUpdate);
    }

    private static Optional<RunRow> oneByRequestId(Connection c, String requestId) throws SQLException {
        return oneWhere(c, "request_id", requestId, false);
    }

    private static Optional<RunRow> oneWhere(Connection c, String column, String value, boolean forUpdate) throws SQLException {
        return TABLE.one(c, column, value, forUpdate);
    }

    private static RunRow row(ResultSet rs) throws SQLException {
        return new RunRow(rs.getLong("seq"), rs.getString("id"), rs.getBytes("request"), rs.getString("model_version"),
                rs.getString("retrain_mode"), rs.getString("prune_job"), rs.getString("state"), rs.getInt("epochs"),
                rs.getInt("current_epoch"), rs.getInt("checkpoint_epoch"), rs.getBytes("progress"), rs.getInt("attempts"),
                rs.getString("failure_reason"), rs.getString("last_error"), rs.getBoolean("cancel_requested"),
                rs.getString("output_uri"), rs.getString("output_sha256"), rs.getBytes("metrics"), rs.getString("owner"),
                instant(rs, "heartbeat_time"), instant(rs, "create_time"), instant(rs, "start_time"), instant(rs, "update_time"),
                instant(rs, "end_time"));
    }
}
