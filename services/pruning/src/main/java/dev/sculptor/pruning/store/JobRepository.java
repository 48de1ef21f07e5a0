package dev.sculptor.pruning.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.outbox.JdbcProcessedEvents;
import dev.sculptor.platform.outbox.Outbox;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.platform.store.Rows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Prune jobs in PostgreSQL. Every saga step is one transaction: lock the job, change it, append the
 * events it sends (outbox) and the events its watchers see, and mark the event that caused the step
 * processed, so a redelivered event changes nothing twice and nothing is sent for a change that did
 * not commit.
 */
@ApplicationScoped
public class JobRepository {
    private static final String COLUMNS = "seq, id, job, request_id, scores_uri, flops_ratio, step_attempts";
    private static final Set<PruneJob.State> TERMINAL = EnumSet.of(PruneJob.State.SUCCEEDED, PruneJob.State.FAILED,
            PruneJob.State.CANCELLED);

    @Inject
    Db db;

    /** A stored job and the saga's own columns. */
    public record Stored(long seq, String id, PruneJob job, String requestId, String scoresUri, Double flopsRatio, int stepAttempts) {}

    /** An event to publish through the outbox. */
    public record Outgoing(String topic, EventEnvelope event) {}

    /**
     * What a step changes: the job, the saga columns (null: unchanged), the events to send and the
     * events its watchers see.
     */
    public record Change(PruneJob job, String scoresUri, Double flopsRatio, List<Outgoing> outbox, List<PruneJobEvent> watch) {
        public Change {
            outbox = List.copyOf(outbox);
            watch = List.copyOf(watch);
        }
    }

    public Optional<Stored> find(String id) {
        return db.inTransaction(c -> one(c, id, false));
    }

    public Optional<Stored> findByRequestId(String requestId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM prune_jobs WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    /** The body of the request that created the job with this request id (AIP-155); null when none was kept. */
    public byte[] requestBody(String requestId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT request_body FROM prune_jobs WHERE request_id = ?")) {
                ps.setString(1, requestId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    /**
     * Records a new job with its first events; ALREADY_EXISTS when the id (or the trigger's event)
     * is taken. A job started by a trigger becomes the trigger's {@code last_prune_job} in the same transaction.
     */
    public Stored insert(String id, PruneJob job, String requestId, byte[] requestBody, List<Outgoing> outbox, List<PruneJobEvent> watch,
            String triggerId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO prune_jobs (id, job, state, model_version, target_model, method, "
                    + "reprune_trigger, trigger_event_id, request_id, request_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setBytes(2, job.toByteArray());
                ps.setString(3, job.getState().name());
                ps.setString(4, job.getModelVersion());
                ps.setString(5, job.getTargetModel());
                ps.setString(6, job.getMethod().getMethod().name());
                ps.setString(7, job.getRepruneTrigger());
                ps.setString(8, job.getTriggerEventId());
                ps.setString(9, requestId);
                ps.setBytes(10, requestBody);
                ps.executeUpdate();
            }
            append(c, id, outbox, watch);
            if (triggerId != null) {
                TriggerRepository.recordJob(c, triggerId, job.getName());
            }
            return one(c, id, false).orElseThrow();
        });
    }

    /**
     * One saga step on a job: {@code step} sees the locked job and returns its change, or null to
     * change nothing. {@code causeEventId} (may be null) is marked processed either way.
     *
     * @return the job after the step; empty when there is no such job
     */
    public Optional<Stored> step(String id, String causeEventId, Function<Stored, Change> step) {
        return stepMarking(id, causeEventId, s -> new Step(step.apply(s), Map.of()));
    }

    /** A step's change (null: none) and the versions to tag in the registry once it has committed (version to tag). */
    public record Step(Change change, Map<String, String> marks) {
        public Step {
            marks = Map.copyOf(marks);
        }
    }

    /**
     * Like {@link #step}, recording in the same transaction the versions the registry must tag
     * ({@link #pendingMarks}), so that a tag is never lost between the commit and the registry call.
     */
    public Optional<Stored> stepMarking(String id, String causeEventId, Function<Stored, Step> step) {
        return db.inTransaction(c -> {
            Optional<Stored> locked = one(c, id, true);
            if (locked.isPresent()) {
                Step st = step.apply(locked.get());
                Change ch = st == null ? null : st.change();
                if (st != null && !st.marks().isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO version_marks (version, tag, job_id) VALUES (?, ?, ?) "
                            + "ON CONFLICT DO NOTHING")) {
                        for (Map.Entry<String, String> m : st.marks().entrySet()) {
                            ps.setString(1, m.getKey());
                            ps.setString(2, m.getValue());
                            ps.setString(3, id);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                if (ch != null) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE prune_jobs SET job = ?, state = ?, "
                            + "scores_uri = COALESCE(?, scores_uri), flops_ratio = COALESCE(?, flops_ratio), update_time = now() "
                            + "WHERE id = ?")) {
                        ps.setBytes(1, ch.job().toByteArray());
                        ps.setString(2, ch.job().getState().name());
                        ps.setString(3, ch.scoresUri());
                        ps.setObject(4, ch.flopsRatio());
                        ps.setString(5, id);
                        ps.executeUpdate();
                    }
                    append(c, id, ch.outbox(), ch.watch());
                }
            }
            if (causeEventId != null) {
                JdbcProcessedEvents.markProcessed(c, causeEventId);
            }
            return locked.isPresent() ? one(c, id, false) : Optional.<Stored>empty();
        });
    }

    /**
     * Appends watch events only (training progress), unless the job has ended. The job's row is
     * locked like a step's: a job's watch events then take their sequence numbers in commit order,
     * which a watch reading "after the last one seen" relies on (an event committed late with a lower
     * number would never be streamed, a missed terminal state would keep the watch open forever).
     */
    public void appendWatch(String id, PruneJobEvent event, String causeEventId) {
        db.inTransaction(c -> {
            Optional<Stored> locked = one(c, id, true);
            if (locked.isPresent() && !TERMINAL.contains(locked.get().job().getState())) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO prune_job_events (job_id, event) VALUES (?, ?)")) {
                    ps.setString(1, id);
                    ps.setBytes(2, event.toByteArray());
                    ps.executeUpdate();
                }
            }
            if (causeEventId != null) {
                JdbcProcessedEvents.markProcessed(c, causeEventId);
            }
            return null;
        });
    }

    /**
     * Counts one more start of the job's pruning step and returns the count: a step that is started again
     * and again without ending (its replica dies mid-step, e.g. out of memory) must end the job instead.
     */
    public int startStep(String id) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE prune_jobs SET step_attempts = step_attempts + 1 WHERE id = ? "
                    + "RETURNING step_attempts")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    /** A version still to be tagged for the job that ended. */
    public record Mark(String jobId, String version, String tag) {}

    /**
     * Tags still to be applied: those of one job ({@code jobId} set), or of every job recorded before
     * {@code before} (the stall watch's retry; {@code jobId} null), oldest first.
     */
    public List<Mark> pendingMarks(String jobId, java.time.Instant before) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT job_id, version, tag FROM version_marks WHERE "
                    + (jobId != null ? "job_id = ?" : "created_time < ?") + " ORDER BY created_time LIMIT 100")) {
                if (jobId != null) {
                    ps.setString(1, jobId);
                } else {
                    ps.setTimestamp(1, java.sql.Timestamp.from(before));
                }
                List<Mark> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Mark(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
                return out;
            }
        });
    }

    /** The registry has the tag: forget the mark. */
    public void markDone(Mark m) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM version_marks WHERE version = ? AND tag = ?")) {
                ps.setString(1, m.version());
                ps.setString(2, m.tag());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Jobs in one of {@code states} whose last change is older than {@code before}. */
    public List<String> unchangedSince(List<String> states, java.time.Instant before) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM prune_jobs WHERE state = ANY (?) AND update_time < ? "
                    + "ORDER BY seq LIMIT 100")) {
                ps.setArray(1, c.createArrayOf("text", states.toArray()));
                ps.setTimestamp(2, java.sql.Timestamp.from(before));
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    /** Newest first, after the row with sequence {@code beforeSeq} (0: from the newest). */
    public List<Stored> list(int limit, long beforeSeq, ListFilter filter) {
        return db.inTransaction(c -> Rows.newestFirst(c, "prune_jobs", COLUMNS, filter, beforeSeq, limit, JobRepository::row));
    }

    /** A watch event and its sequence number. */
    public record Watched(long seq, PruneJobEvent event) {}

    /** The job's watch events after {@code afterSeq}, oldest first. */
    public List<Watched> eventsAfter(String id, long afterSeq) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, event FROM prune_job_events WHERE job_id = ? AND seq > ? "
                    + "ORDER BY seq LIMIT 500")) {
                ps.setString(1, id);
                ps.setLong(2, afterSeq);
                List<Watched> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Watched(rs.getLong(1), parseEvent(rs.getBytes(2))));
                    }
                }
                return out;
            }
        });
    }

    /** The sequence number of the job's newest watch event (0: none). */
    public long lastEventSeq(String id) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM prune_job_events WHERE job_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static void append(Connection c, String id, List<Outgoing> outbox, List<PruneJobEvent> watch) throws SQLException {
        for (Outgoing o : outbox) {
            Outbox.append(c, o.topic(), o.event());
        }
        if (!watch.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO prune_job_events (job_id, event) VALUES (?, ?)")) {
                for (PruneJobEvent e : watch) {
                    ps.setString(1, id);
                    ps.setBytes(2, e.toByteArray());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    private static Optional<Stored> one(Connection c, String id, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM prune_jobs WHERE id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    private static Stored row(ResultSet rs) throws SQLException {
        PruneJob job;
        try {
            job = PruneJob.parseFrom(rs.getBytes("job"));
        } catch (InvalidProtocolBufferException e) {
            throw new SQLException("stored job " + rs.getString("id") + " is unreadable: " + e.getMessage(), e);
        }
        double ratio = rs.getDouble("flops_ratio");
        Double flopsRatio = rs.wasNull() ? null : ratio;
        return new Stored(rs.getLong("seq"), rs.getString("id"), job, rs.getString("request_id"), rs.getString("scores_uri"),
                flopsRatio, rs.getInt("step_attempts"));
    }

    private static PruneJobEvent parseEvent(byte[] b) throws SQLException {
        try {
            return PruneJobEvent.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new SQLException("stored watch event is unreadable: " + e.getMessage(), e);
        }
    }
}
