package dev.sculptor.platform.events;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A service's Kafka worker: starts its {@link EventConsumer} when the application starts (unless
 * the worker is disabled on this replica) and closes it on shutdown. Not a bean itself: each service
 * subclasses it as one, with its own configuration, consumer settings and handler.
 */
public abstract class KafkaWorker {
    private volatile EventConsumer consumer;

    /** Whether this replica consumes ({@code sculptor.<service>.worker.enabled}). */
    public abstract boolean enabled();

    /** The consumer to start, on a builder whose bootstrap servers are set: group, topics, handler, retries. */
    protected abstract EventConsumer.Builder configure(EventConsumer.Builder builder);

    /** After the consumer closed: closes what {@link #configure} opened beside it. */
    protected void closed() {}

    /** {@code kafka.bootstrap.servers}. */
    protected static String bootstrapServers() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /** Null when the worker is disabled. */
    public EventConsumer consumer() {
        return consumer;
    }

    void onStart(@Observes StartupEvent e) {
        if (enabled()) {
            consumer = configure(EventConsumer.builder().setBootstrapServers(bootstrapServers())).build().start();
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        if (consumer != null) {
            consumer.close();
            closed();
        }
    }
}
