package dev.sculptor.platform.health;

import dev.sculptor.platform.store.CheckpointStore;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.Readiness;

/**
 * For services that read or write checkpoints ({@code sculptor.health.store=true} at build time): ready ({@code
 * object-store}) only while the S3 store answers and holds the platform's bucket.
 */
@Readiness
@Singleton
@IfBuildProperty(name = "sculptor.health.store", stringValue = "true")
public class StoreReadiness extends DependencyReadiness {
    private final CheckpointStore store;

    @Inject
    public StoreReadiness(CheckpointStore store) {
        this(store, CACHE_FOR, TIMEOUT);
    }

    public StoreReadiness(CheckpointStore store, Duration cacheFor, Duration timeout) {
        super("object-store", cacheFor, timeout);
        this.store = store;
    }

    @Override
    protected void probe() {
        if (!store.bucketExists()) {
            throw new IllegalStateException("bucket " + store.bucket() + " does not exist");
        }
    }

    @Override
    protected Map<String, String> where() {
        return Map.of("endpoint", store.endpoint(), "bucket", store.bucket());
    }

    @PreDestroy
    public void close() {
        closeProbes();
    }
}
