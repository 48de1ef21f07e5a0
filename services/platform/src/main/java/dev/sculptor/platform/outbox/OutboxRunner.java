package dev.sculptor.platform.outbox;

import dev.sculptor.platform.events.EventPublisher;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs the {@link OutboxPublisher} for the life of a service: from startup to shutdown, with the
 * service's Kafka client id, unless {@code sculptor.outbox.enabled=false} (a test of what happens
 * while the publisher is down). A service with a database opts in with an {@code @ApplicationScoped}
 * subclass (the observers and injection points are inherited); it is not a bean itself, so a service
 * without a database (scoring) is unaffected.
 */
public abstract class OutboxRunner {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "sculptor.outbox.enabled", defaultValue = "true")
    boolean enabled;

    @Inject
    DataSource ds;

    private final String clientId;
    private EventPublisher publisher;
    private OutboxPublisher outbox;

    /** @param clientId the Kafka client id of the publisher, e.g. {@code training-outbox} */
    protected OutboxRunner(String clientId) {
        this.clientId = clientId;
    }

    void onStart(@Observes StartupEvent e) {
        if (enabled && publishesHere()) {
            start();
        }
    }

    /**
     * Whether this process publishes the outbox; a subclass says no for a process that only writes to it (a
     * training run's pod: another process polling the same table sends its rows).
     */
    protected boolean publishesHere() {
        return true;
    }

    synchronized void start() {
        if (outbox == null) {
            publisher = new EventPublisher(bootstrap, clientId, Duration.ofSeconds(30));
            outbox = new OutboxPublisher(ds, publisher, Duration.ofSeconds(1)).start();
        }
    }

    /** Publishes right after a commit instead of at the next idle tick; nothing when the publisher is off. */
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
