package dev.sculptor.platform.health;

import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;

/**
 * For services whose work comes or goes over Kafka ({@code sculptor.health.kafka=true}): ready ({@code kafka}) only
 * while the broker answers a cluster description. The switch is read at run time, not at build time, since one image
 * serves both ways: the training service waits for Kafka, its run pods (same image, {@code SCULPTOR_HEALTH_KAFKA=false})
 * reach no Kafka. Off (or unset), the check is left out of health (the lookup skips the bean) and never created, so
 * no admin client tries the broker.
 */
@Readiness
@Singleton
@LookupIfProperty(name = "sculptor.health.kafka", stringValue = "true")
public class KafkaReadiness extends DependencyReadiness {
    private final String bootstrapServers;
    private final Admin admin;
    private final int timeoutMs;

    @Inject
    public KafkaReadiness(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this(bootstrapServers, CACHE_FOR, TIMEOUT);
    }

    public KafkaReadiness(String bootstrapServers, Duration cacheFor, Duration timeout) {
        super("kafka", cacheFor, timeout);
        this.bootstrapServers = bootstrapServers;
        this.timeoutMs = (int) timeout.toMillis();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        // back soon after the broker is: the default backoff grows to 1 s, this keeps it there
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        this.admin = Admin.create(p);
    }

    @Override
    protected void probe() throws Exception {
        admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected Map<String, String> where() {
        return Map.of("bootstrap.servers", bootstrapServers);
    }

    @PreDestroy
    public void close() {
        closeProbes();
        admin.close(Duration.ofSeconds(2));
    }
}
