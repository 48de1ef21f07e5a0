package dev.sculptor.evaluation.service;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.Latency;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.versions.VersionCheckout;
import java.util.List;

/**
 * The engine side of an evaluation: measure a checked-out checkpoint with the engine's
 * {@link Evaluator}, {@link ModelStats} and {@link Latency}. No metric is computed here.
 */
public final class Measurer {
    private final int latencyRuns;

    public Measurer(int latencyRuns) {
        this.latencyRuns = latencyRuns;
    }

    /**
     * @param checkpoint the checked-out version (its network and manifest)
     * @param data the dataset whose test split is used
     * @param testSubset a seeded subset of this many test images (the engine's DataSpec convention); 0 = all
     * @param batchSize images per inference batch
     * @param latency also measure latency and throughput at {@code batchSize}
     */
    public Measurement measure(String version, VersionCheckout checkpoint, ResolvedDataset data, int testSubset, int batchSize,
            boolean latency) {
        Network net = checkpoint.network();
        ArchSpec spec = net.spec();
        DataSpec ds = new DataSpec(data.name(), data.dir(), 0, testSubset);
        List<Integer> shape = ds.inputShape();
        if (!shape.equals(spec.inputShape())) {
            throw PlatformException.invalid("dataset", version + " takes " + spec.inputShape() + " images but " + data.name()
                    + " has " + shape);
        }
        ImageDataset test = ds.test();
        if (test.numClasses() != spec.numClasses()) {
            throw PlatformException.invalid("dataset", version + " predicts " + spec.numClasses() + " classes but "
                    + data.name() + " has " + test.numClasses());
        }
        Evaluator.Result r = Evaluator.evaluate(net, test, batchSize);
        ModelStats stats = ModelStats.of(net);
        Double latencyMs = null;
        Double ips = null;
        if (latency) {
            Latency.Result l = Latency.measure(net, batchSize, latencyRuns);
            ips = l.imagesPerSecond();
            // the engine's throughput is batch / median batch time; the contract's latency is that batch time
            latencyMs = 1000.0 * batchSize / l.imagesPerSecond();
        }
        String method = checkpoint.manifest().lineage() == null ? null : checkpoint.manifest().lineage().method();
        return new Measurement(spec.name(), method, r.accuracy(), r.loss(), r.examples(), stats.params(), stats.flops(),
                latencyMs, ips, latency ? batchSize : 0);
    }
}
