package dev.sculptor.platform.outbox;

import dev.sculptor.platform.events.EventEnvelope;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * A resource after a change that ends it (a run, an evaluation): the stored row, and whether this
 * change ended it. Only the change that ended it emits its event, so a repeated end emits none.
 */
public record Ended<R>(R row, boolean ended) {
    /**
     * Inside the change's transaction: when the guarded UPDATE changed the row ({@code updated == 1}),
     * appends the row's event to the outbox; and marks the request event that asked for the change
     * processed (when one did), so its redelivery changes nothing.
     */
    public static <R> Ended<R> commit(Connection tx, int updated, R row, Function<R, EventEnvelope> event, String topic,
            String requestEventId) throws SQLException {
        if (updated == 1) {
            Outbox.append(tx, topic, event.apply(row));
        }
        if (requestEventId != null) {
            JdbcProcessedEvents.markProcessed(tx, requestEventId);
        }
        return new Ended<>(row, updated == 1);
    }
}
