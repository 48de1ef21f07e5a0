package dev.sculptor.training.events;

import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.outbox.OutboxPublisher;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Publishes the outbox (TrainingProgress and TrainingCompleted events) for the life of the service. */
@ApplicationScoped
public class OutboxRunner {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    AgroalDataSource ds;

    private EventPublisher publisher;
    private OutboxPublisher outbox;

    void onStart(@Observes StartupEvent e) {
        start();
    }

    synchronized void start() {
        if (outbox == null) {
            publisher = new EventPublisher(bootstrap, "training-outbox", Duration.ofSeconds(30));
            outbox = new OutboxPublisher(ds, publisher, Duration.ofSeconds(1)).start();
        }
    }

    /** Publishes right after a commit instead of at the next idle tick. */
    public void wakeUp() {
        if (outbox != null) {
            outbox.wakeUp();
        }
    }

    void onStop(@Observes ShutdownEvent e) {
        if (outbox != null) {
            outbox.close();
            publisher.close();
        }
    }
}
