package dev.sculptor.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.WeightLevelPruning;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Services call the engine from worker threads, where PyTorch records gradients by default: training,
 * masked pruning and evaluation must work there exactly as on the thread that started the engine.
 */
class OtherThreadTest {
    @Test
    void trainPruneAndEvaluateOnAFreshThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Double> f = pool.submit(() -> {
                ImageDataset data = TrainerTest.halves(64, 5);
                try (Network net = Network.create(TrainerTest.TINY, 1)) {
                    new Trainer(TrainerTest.cfg(2)).train(net, data, null);
                    PruneResult r = new WeightLevelPruning(0.5, false).prune(net);
                    try (Network masked = r.network()) {
                        new Trainer(TrainerTest.cfg(1)).train(masked, data, null);
                        return Evaluator.evaluate(masked, data, 32).accuracy();
                    }
                }
            });
            double acc = f.get();
            assertEquals(true, acc >= 0 && acc <= 1, "accuracy " + acc);
        } finally {
            pool.shutdownNow();
        }
    }
}
