package dev.sculptor.platform.outbox;

import dev.sculptor.platform.events.ProcessedEvents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Processed event ids in the service's database (table {@code processed_events}), surviving restarts. */
public final class JdbcProcessedEvents implements ProcessedEvents {
    private final DataSource ds;

    public JdbcProcessedEvents(DataSource ds) {
        this.ds = ds;
    }

    @Override
    public boolean seen(String eventId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM processed_events WHERE event_id = ?")) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read processed_events: " + e.getMessage(), e);
        }
    }

    @Override
    public void markProcessed(String eventId) {
        try (Connection c = ds.getConnection()) {
            markProcessed(c, eventId);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write processed_events: " + e.getMessage(), e);
        }
    }

    /** Marks inside the caller's transaction, so the effect and the mark commit together. */
    public static boolean markProcessed(Connection tx, String eventId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO processed_events (event_id) VALUES (?) ON CONFLICT (event_id) DO NOTHING")) {
            ps.setString(1, eventId);
            return ps.executeUpdate() == 1;
        }
    }
}
