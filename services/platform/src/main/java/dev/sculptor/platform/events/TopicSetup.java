package dev.sculptor.platform.events;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Creates the topics this service uses ({@code sculptor.topics.used}, each with its {@code .dlq}) when the service
 * starts, before its Kafka worker consumes and its outbox publishes: its startup observer runs ahead of theirs, so no
 * client's metadata request can make the broker auto-create a topic with the broker's own partition count first. A
 * broker that refuses, or is not reached within {@code sculptor.topics.timeout}, fails the start with the reason. Also
 * a readiness check ({@code kafka-topics}): down until the topics exist.
 */
@Readiness
@Singleton
public class TopicSetup implements HealthCheck {
    static final String CHECK = "kafka-topics";

    private final String bootstrapServers;
    private final List<String> used;
    private final TopicSettings settings;
    private final Duration timeout;
    private volatile TopicCreator.Result result;
    /** How the admin client is made; a test swaps it to see that none is made when there is nothing to create. */
    Function<Properties, Admin> admins = Admin::create;

    @Inject
    public TopicSetup(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "sculptor.topics.used") Optional<List<String>> used,
            @ConfigProperty(name = "sculptor.topics.create", defaultValue = "true") boolean create,
            @ConfigProperty(name = "sculptor.topics.partitions", defaultValue = "3") int partitions,
            @ConfigProperty(name = "sculptor.topics.replication-factor", defaultValue = "1") int replicationFactor,
            @ConfigProperty(name = "sculptor.topics.retention", defaultValue = "P7D") Duration retention,
            @ConfigProperty(name = "sculptor.topics.dlq-retention", defaultValue = "P30D") Duration dlqRetention,
            @ConfigProperty(name = "sculptor.topics.timeout", defaultValue = "PT60S") Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.used = checked(used.orElse(List.of()));
        if (replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("sculptor.topics.replication-factor is too large: " + replicationFactor);
        }
        this.settings = new TopicSettings(create, partitions, (short) replicationFactor, retention, dlqRetention);
        this.timeout = timeout;
    }

    /** The names must be {@link Topics}': a misspelt one would otherwise create a topic nobody reads. */
    static List<String> checked(List<String> names) {
        for (String n : names) {
            if (!Topics.ALL.contains(n)) {
                throw new IllegalArgumentException("sculptor.topics.used names '" + n + "', which is not one of Sculptor's topics "
                        + Topics.ALL + " (list the topics without their .dlq)");
            }
        }
        return List.copyOf(names);
    }

    // PLATFORM_BEFORE: ahead of every KafkaWorker and OutboxRunner (default observer priority)
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent e) {
        ensure();
    }

    /** Creates the missing topics once; later calls return what the first found. */
    public synchronized TopicCreator.Result ensure() {
        if (result == null && (!settings.create() || used.isEmpty())) {
            // nothing to create: no admin client either (a run pod's broker may be unreachable on purpose)
            result = new TopicCreator.Result(List.of(), Map.of(), List.of());
        }
        if (result == null) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "topic-setup");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            try (Admin admin = admins.apply(p)) {
                result = TopicCreator.ensure(admin, used, settings, timeout);
            }
        }
        return result;
    }

    @Override
    public HealthCheckResponse call() {
        TopicCreator.Result r = result;
        return HealthCheckResponse.named(CHECK).status(r != null).withData("topics", used.size())
                .withData("create", settings.create()).build();
    }
}
