package dev.sculptor.registry.events;

import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.outbox.OutboxPublisher;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Runs the outbox publisher for the life of the service (off with {@code sculptor.outbox.enabled=false}). */
@ApplicationScoped
public class OutboxRunner {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "sculptor.outbox.enabled", defaultValue = "true")
    boolean enabled;

    @Inject
    AgroalDataSource ds;

    private EventPublisher publisher;
    private OutboxPublisher outbox;

    void onStart(@Observes StartupEvent e) {
        if (enabled) {
            publisher();
            outbox.start();
        }
    }

    @Produces
    @Singleton
    synchronized OutboxPublisher publisher() {
        if (outbox == null) {
            publisher = new EventPublisher(bootstrap, "model-registry-outbox", Duration.ofSeconds(30));
            outbox = new OutboxPublisher(ds, publisher, Duration.ofSeconds(1));
        }
        return outbox;
    }

    void onStop(@Observes ShutdownEvent e) {
        if (outbox != null) {
            outbox.close();
            publisher.close();
        }
    }
}
