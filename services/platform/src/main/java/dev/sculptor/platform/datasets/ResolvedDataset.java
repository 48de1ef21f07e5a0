package dev.sculptor.platform.datasets;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A dataset ready to load: pass both to the engine's {@code Datasets.load(name, dir, split)}.
 *
 * @param name the canonical dataset name, {@value DatasetResolver#FASHION_MNIST} or {@value DatasetResolver#CIFAR10}
 * @param dir the local directory holding the dataset's original files
 */
public record ResolvedDataset(String name, Path dir) {
    public ResolvedDataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dir, "dir");
    }
}
