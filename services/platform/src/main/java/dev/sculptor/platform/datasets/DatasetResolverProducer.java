package dev.sculptor.platform.datasets;

import dev.sculptor.platform.store.CheckpointStore;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The dataset resolver from {@code sculptor.datasets.*} configuration and the service's store. */
@ApplicationScoped
public class DatasetResolverProducer {
    /** Where files downloaded from the store are kept; survives restarts when on a volume. */
    @ConfigProperty(name = "sculptor.datasets.cache-dir", defaultValue = "${java.io.tmpdir}/sculptor-datasets")
    String cacheDir;

    @ConfigProperty(name = "sculptor.datasets.fashion-mnist.dir", defaultValue = "/usr/share/datasets/fashion-mnist")
    String fashionMnistDir;

    @ConfigProperty(name = "sculptor.datasets.cifar10.dir", defaultValue = "data/cifar-10-batches-bin")
    String cifar10Dir;

    @Produces
    @ApplicationScoped
    @DefaultBean
    DatasetResolver datasetResolver(CheckpointStore store) {
        return new DatasetResolver(store, Path.of(cacheDir), Path.of(fashionMnistDir), Path.of(cifar10Dir));
    }
}
