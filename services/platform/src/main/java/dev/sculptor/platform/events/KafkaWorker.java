package dev.sculptor.platform.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.names.Collection;
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

    /**
     * The payload of a record on {@code topic}, which must be of {@code type}'s message type; a record
     * of another type or an unreadable payload can never be handled: {@link PoisonEventException}.
     */
    @SuppressWarnings("unchecked")
    protected static <T extends Message> T payload(EventEnvelope e, String topic, T type) {
        String expected = type.getDescriptorForType().getFullName();
        if (!expected.equals(e.type())) {
            throw new PoisonEventException("unexpected ce_type " + e.type() + " on " + topic + " (expected " + expected + ")");
        }
        try {
            return (T) type.getParserForType().parseFrom(e.payload());
        } catch (InvalidProtocolBufferException ex) {
            throw new PoisonEventException("payload is not a " + expected + ": " + ex.getMessage(), ex);
        }
    }

    /** The id in a payload's resource name; a name not of {@code names}' form can never be handled: {@link PoisonEventException}. */
    protected static String id(Collection names, String field, String name) {
        try {
            return names.id(field, name);
        } catch (PlatformException ex) {
            throw new PoisonEventException(ex.getMessage(), ex);
        }
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
