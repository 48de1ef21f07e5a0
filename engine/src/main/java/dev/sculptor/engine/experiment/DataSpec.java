package dev.sculptor.engine.experiment;

import dev.sculptor.engine.data.Datasets;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.data.Split;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset by name, directory and deterministic subset sizes (0 = all).
 */
public record DataSpec(String name, Path dir, int trainSubset, int testSubset) {

    public Path resolvedDir() {
        return dir != null ? dir : Datasets.defaultDir(name);
    }

    public ImageDataset train() {
        ImageDataset d = Datasets.load(name, resolvedDir(), Split.TRAIN);
        return trainSubset > 0 ? d.subset(trainSubset, 42) : d;
    }

    public ImageDataset test() {
        ImageDataset d = Datasets.load(name, resolvedDir(), Split.TEST);
        return testSubset > 0 ? d.subset(testSubset, 43) : d;
    }

    /**
     * The number of classes, as the dataset itself declares it (its test split is loaded: the smaller one), so that
     * an architecture built for it has one output per class.
     */
    public int numClasses() {
        return Datasets.load(name, resolvedDir(), Split.TEST).numClasses();
    }

    /** {@code [C, H, W]} of this dataset's images, without loading it. */
    public List<Integer> inputShape() {
        if (name.equalsIgnoreCase(Datasets.CIFAR10)) {
            return List.of(3, 32, 32);
        }
        if (name.equalsIgnoreCase(Datasets.FASHION_MNIST)) {
            return List.of(1, 28, 28);
        }
        throw new dev.sculptor.engine.data.DataException("unknown dataset '" + name + "' (known: "
                + String.join(", ", Datasets.names()) + ")");
    }
}
