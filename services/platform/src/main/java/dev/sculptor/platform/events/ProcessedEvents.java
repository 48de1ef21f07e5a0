package dev.sculptor.platform.events;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers which event ids were handled, so a redelivered event (at-least-once) is skipped.
 * Stateful services back it with their database; stateless workers use the bounded in-memory one.
 */
public interface ProcessedEvents {
    boolean seen(String eventId);

    void markProcessed(String eventId);

    /** The most recent {@code capacity} ids, in memory. */
    static ProcessedEvents inMemory(int capacity) {
        Map<String, Boolean> lru = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        });
        return new ProcessedEvents() {
            @Override
            public boolean seen(String eventId) {
                return lru.containsKey(eventId);
            }

            @Override
            public void markProcessed(String eventId) {
                lru.put(eventId, Boolean.TRUE);
            }
        };
    }
}
