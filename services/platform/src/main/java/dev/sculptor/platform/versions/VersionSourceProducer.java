package dev.sculptor.platform.versions;

import dev.sculptor.platform.store.CheckpointStore;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The registry when {@code sculptor.registry.grpc} is set, else the store alone; a service or test may declare its own. */
@ApplicationScoped
public class VersionSourceProducer {
    private static final Logger LOG = Logger.getLogger(VersionSourceProducer.class);

    @ConfigProperty(name = "sculptor.registry.grpc")
    Optional<String> registry;

    @ConfigProperty(name = "sculptor.registry.token")
    Optional<String> token;

    @Produces
    @ApplicationScoped
    @DefaultBean
    VersionSource versionSource(CheckpointStore store) {
        if (registry.isPresent() && !registry.get().isBlank()) {
            if (token.isEmpty() || token.get().isBlank()) {
                throw new IllegalStateException("sculptor.registry.grpc is set but sculptor.registry.token is not: "
                        + "the registry needs a bearer token with the read role");
            }
            LOG.infof("model versions are resolved by the registry at %s", registry.get());
            return new RegistryVersions(registry.get().trim(), token.get().trim(), store.bucket(), Duration.ofSeconds(30));
        }
        LOG.info("model versions are read from the store (models/{model}/versions/{n}/); aliases need sculptor.registry.grpc");
        return new StoreVersions(store);
    }

    void close(@Disposes VersionSource source) {
        if (source instanceof RegistryVersions r) {
            r.close();
        }
    }
}
