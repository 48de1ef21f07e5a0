package dev.sculptor.platform.store;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The checkpoint store from {@code sculptor.store.*} configuration. */
@ApplicationScoped
public class StoreProducer {
    @ConfigProperty(name = "sculptor.store.endpoint")
    String endpoint;

    @ConfigProperty(name = "sculptor.store.access-key")
    String accessKey;

    @ConfigProperty(name = "sculptor.store.secret-key")
    String secretKey;

    @ConfigProperty(name = "sculptor.store.bucket", defaultValue = "sculptor")
    String bucket;

    @Produces
    @ApplicationScoped
    @DefaultBean
    CheckpointStore checkpointStore() {
        CheckpointStore s = new CheckpointStore(endpoint, accessKey, secretKey, bucket);
        try {
            s.ensureBucket();
        } catch (StoreException.Unavailable e) {
            // The service still starts; calls fail with a clear error until the store is back.
            org.jboss.logging.Logger.getLogger(StoreProducer.class).warn(e.getMessage());
        }
        return s;
    }
}
