package dev.sculptor.platform.outbox;

import dev.sculptor.platform.events.EventEnvelope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.UUID;

/**
 * Appends events to the outbox table inside the caller's transaction: a committed state change
 * always has its event, a rolled-back one never does (table in {@code db/platform}).
 */
public final class Outbox {
    private Outbox() {}

    public static void append(Connection tx, String topic, EventEnvelope e) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO outbox (id, topic, event_key, type, source, subject, "
                + "event_time, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, UUID.fromString(e.id()));
            ps.setString(2, topic);
            ps.setString(3, e.key());
            ps.setString(4, e.type());
            ps.setString(5, e.source());
            ps.setString(6, e.subject());
            ps.setTimestamp(7, Timestamp.from(e.time()));
            ps.setBytes(8, e.payload());
            ps.executeUpdate();
        }
    }
}
