package dev.sculptor.platform.datasets;

import dev.sculptor.platform.store.CheckpointStore;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import java.util.List;
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

    /** Whether {@code file:} references may read directories on this machine: for local use only. */
    @ConfigProperty(name = "sculptor.datasets.file.enabled", defaultValue = "false")
    boolean fileEnabled;

    /** The folders of the service's bucket that {@code s3://} references may name (comma-separated; {@code /} is the whole bucket). */
    @ConfigProperty(name = "sculptor.datasets.s3-prefixes", defaultValue = "datasets/")
    List<String> s3Prefixes;

    @Produces
    @ApplicationScoped
    @DefaultBean
    DatasetResolver datasetResolver(CheckpointStore store) {
        return new DatasetResolver(store, new DatasetResolver.Access(fileEnabled, s3Prefixes), Path.of(cacheDir), Path.of(fashionMnistDir), Path.of(cifar10Dir));
    }
}
