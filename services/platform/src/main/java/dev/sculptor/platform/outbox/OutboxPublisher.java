package dev.sculptor.platform.outbox;

import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in commit order and marks them published. Rows are locked with
 * {@code FOR UPDATE SKIP LOCKED}, so several replicas can run it. A crash between sending and
 * marking republishes the row: delivery is at-least-once and consumers deduplicate on the event id.
 */
public final class OutboxPublisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OutboxPublisher.class);

    private final DataSource ds;
    private final EventPublisher publisher;
    private final Duration idle;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong published = new AtomicLong();
    private Thread thread;

    public OutboxPublisher(DataSource ds, EventPublisher publisher, Duration idle) {
        this.ds = ds;
        this.publisher = publisher;
        this.idle = idle;
    }

    public synchronized OutboxPublisher start() {
        if (running.getAndSet(true)) {
            return this;
        }
        thread = new Thread(this::loop, "outbox-publisher");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Asks for a publish round now (after a commit) instead of at the next idle tick. */
    public void wakeUp() {
        wake.release();
    }

    public long published() {
        return published.get();
    }

    private void loop() {
        Duration backoff = Duration.ofMillis(200);
        while (running.get()) {
            try {
                int n = publishBatch(100);
                backoff = Duration.ofMillis(200);
                if (n == 0) {
                    wake.tryAcquire(idle.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | SQLException e) {
                LOG.warnf("outbox publishing failed, retrying in %d ms: %s", backoff.toMillis(), e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** One round: publishes up to {@code limit} unpublished rows; returns how many. */
    public int publishBatch(int limit) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Object[]> rows = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT seq, id, topic, event_key, type, source, subject, "
                        + "event_time, payload FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ? "
                        + "FOR UPDATE SKIP LOCKED")) {
                    ps.setInt(1, limit);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            EventEnvelope e = new EventEnvelope(rs.getObject(2).toString(), rs.getString(5), rs.getString(6),
                                    rs.getTimestamp(8).toInstant(), rs.getString(7), rs.getString(4), rs.getBytes(9));
                            rows.add(new Object[] {rs.getLong(1), rs.getString(3), e});
                        }
                    }
                }
                for (Object[] row : rows) {
                    publisher.publish((String) row[1], (EventEnvelope) row[2]);
                    try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET published_at = now() WHERE seq = ?")) {
                        ps.setLong(1, (Long) row[0]);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                published.addAndGet(rows.size());
                return rows.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        wake.release();
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
