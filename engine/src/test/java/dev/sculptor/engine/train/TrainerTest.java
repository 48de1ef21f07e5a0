package dev.sculptor.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 8, 8), 2, List.of(4, 6), List.of(0), List.of(5),
            null, null, null, null);

    /** Class 0: a bright left half; class 1: a bright right half; plus noise. Separable. */
    static ImageDataset halves(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean bright = (x < 4) == (labels[i] == 0);
                    px[i * 64 + y * 8 + x] = (byte) ((bright ? 180 : 40) + r.nextInt(40));
                }
            }
        }
        return ImageDataset.of("halves", 1, 8, 8, 2, px, labels, new float[] {0.45f}, new float[] {0.3f});
    }

    static TrainConfig cfg(int epochs) {
        return new TrainConfig(epochs, 16, 0.05, 0.9, 1e-4, "step", 7, false, null, false, true);
    }

    @Test
    void learnsASeparableProblem() {
        ImageDataset data = halves(128, 1);
        try (Network net = Network.create(TINY, 1)) {
            double before = Evaluator.evaluate(net, data, 64).accuracy();
            Trainer.Result r = new Trainer(cfg(4)).train(net, data, data);
            assertEquals(4, r.history().size());
            assertTrue(r.last().testAccuracy() >= 0.95, "accuracy " + r.last().testAccuracy() + " (before " + before + ")");
            assertTrue(r.last().trainLoss() < r.history().get(0).trainLoss());
            assertEquals(0.05 * 0.01, r.last().lr(), 1e-12); // step schedule: x0.1 at 50% and 75%
        }
    }

    @Test
    void stepAndCosineSchedules() {
        Schedule s = Schedule.step(0.1, 10);
        double[] expected = {0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001};
        for (int e = 0; e < 10; e++) {
            assertEquals(expected[e], s.lr(e, e / 10.0), 1e-12, "epoch " + e);
        }
        // one or two epochs: milestones at 50% and 75% of the steps, not both on epoch 0 (a whole run at 1% of the rate)
        Schedule one = Schedule.step(0.1, 1);
        assertEquals(0.1, one.lr(0, 0.0), 1e-12);
        assertEquals(0.1, one.lr(0, 0.49), 1e-12);
        assertEquals(0.01, one.lr(0, 0.5), 1e-12);
        assertEquals(0.001, one.lr(0, 0.8), 1e-12);
        Schedule two = Schedule.step(0.1, 2);
        assertEquals(0.1, two.lr(0, 0.3), 1e-12);
        assertEquals(0.01, two.lr(1, 0.6), 1e-12);
        assertEquals(0.001, two.lr(1, 0.9), 1e-12);
        // three epochs and more: at epoch boundaries, as the paper (3 epochs: x0.1 at epoch 1, x0.01 at epoch 2)
        Schedule three = Schedule.step(0.1, 3);
        assertEquals(0.1, three.lr(0, 0.3), 1e-12);
        assertEquals(0.01, three.lr(1, 0.4), 1e-12);
        assertEquals(0.001, three.lr(2, 0.7), 1e-12);
        Schedule c = Schedule.cosine(0.2);
        assertEquals(0.2, c.lr(0, 0), 1e-12);
        assertEquals(0.1, c.lr(5, 0.5), 1e-12);
        assertEquals(0.0, c.lr(9, 1.0), 1e-12);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.named("linear", 0.1, 3)).getMessage()
                .contains("unknown schedule 'linear'"));
    }

    @Test
    void badConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(-1, 16, 0.1, 0.9, 0, "step", 1, false, null, false, true));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(1, 0, 0.1, 0.9, 0, "step", 1, false, null, false, true));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(1, 16, -0.1, 0.9, 0, "step", 1, false, null, false, true)).getMessage().contains("learning rate"));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(1, 16, 0.1, 1.0, 0, "step", 1, false, null, false, true));
    }

    /** buf = m*buf + g + wd*w; w -= lr*buf, with the new lr applying to the whole buffer at once. */
    @Test
    void sgdFollowsPyTorchSemanticsAcrossALearningRateDrop() {
        try (Network net = Network.create(TINY, 3); NDManager m = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(net, 0.9, 0.01);
            String name = "features.1.conv.weight";
            float[] buf = new float[(int) net.array(name).size()];
            double[] lrs = {0.1, 0.001};
            NDArray x = m.randomNormal(new Shape(4, 1, 8, 8));
            for (double lr : lrs) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(net.forward(x, true).square().sum());
                }
                float[] w = net.array(name).toFloatArray();
                float[] g = net.array(name).getGradient().toFloatArray();
                float[] expected = new float[w.length];
                for (int i = 0; i < w.length; i++) {
                    buf[i] = 0.9f * buf[i] + g[i] + 0.01f * w[i];
                    expected[i] = (float) (w[i] - lr * buf[i]);
                }
                sgd.step(lr);
                assertArrayEquals(expected, net.array(name).toFloatArray(), 1e-6f, "lr " + lr);
                float[] zeroed = net.array(name).getGradient().toFloatArray();
                assertEquals(0f, (float) java.util.stream.IntStream.range(0, zeroed.length).mapToDouble(i -> Math.abs(zeroed[i])).sum());
            }
        }
    }

    /** A run killed after epoch 2 and resumed ends with exactly the weights of an uninterrupted run. */
    @Test
    void resumeAfterACrashMatchesAnUninterruptedRun(@TempDir Path dir) {
        ImageDataset data = halves(64, 2);
        List<Tensor> uninterrupted;
        try (Network net = Network.create(TINY, 1)) {
            new Trainer(cfg(4).withCheckpoints(dir.resolve("a"), false)).train(net, data, null);
            uninterrupted = net.exportTensors();
        }
        Path ckpt = dir.resolve("b");
        try (Network net = Network.create(TINY, 1)) {
            TrainingHook crash = new TrainingHook() {
                @Override
                public void afterEpoch(Network n, int epoch) {
                    if (epoch == 2) {
                        throw new IllegalStateException("simulated crash");
                    }
                }
            };
            assertThrows(IllegalStateException.class,
                    () -> new Trainer(cfg(4).withCheckpoints(ckpt, true)).hook(crash).train(net, data, null));
        }
        try (Network net = Network.create(TINY, 99)) { // different init: everything must come from the checkpoint
            Trainer.Result r = new Trainer(cfg(4).withCheckpoints(ckpt, true)).train(net, data, null);
            assertEquals(1, r.resumedAfterEpoch());
            assertEquals(4, r.history().size());
            List<Tensor> resumed = net.exportTensors();
            for (int i = 0; i < resumed.size(); i++) {
                assertArrayEquals(uninterrupted.get(i).data(), resumed.get(i).data(), 1e-6f, resumed.get(i).name());
            }
        }
    }

    /**
     * A checkpoint names the machine that trained it; a run resumed on another machine names both (here the first
     * machine is written into the checkpoint by hand, as if the run had been copied from elsewhere).
     */
    @Test
    void checkpointsNameTheMachinesThatTrainedThem(@TempDir Path dir) throws Exception {
        ImageDataset data = halves(32, 2);
        Path ckpt = dir.resolve("run");
        String here = Trainer.machine();
        assertTrue(here.contains("thread"), here);
        try (Network net = Network.create(TINY, 1)) {
            new Trainer(cfg(1).withCheckpoints(ckpt, true)).train(net, data, null);
        }
        Path manifest = ckpt.resolve("manifest.json");
        com.google.gson.JsonObject m = com.google.gson.JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
        assertEquals(List.of(here), machines(m));
        com.google.gson.JsonArray elsewhere = new com.google.gson.JsonArray();
        elsewhere.add("another CPU; native kernels, 8 threads");
        m.getAsJsonObject("training").add("machines", elsewhere);
        Files.writeString(manifest, m.toString());
        try (Network net = Network.create(TINY, 1)) {
            assertEquals(0, new Trainer(cfg(2).withCheckpoints(ckpt, true)).train(net, data, null).resumedAfterEpoch());
        }
        m = com.google.gson.JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
        assertEquals(List.of("another CPU; native kernels, 8 threads", here), machines(m));
    }

    private static List<String> machines(com.google.gson.JsonObject manifest) {
        return manifest.getAsJsonObject("training").getAsJsonArray("machines").asList().stream()
                .map(e -> e.getAsString()).toList();
    }

    /** Every array made during a step is freed: the live array count does not grow with epochs. */
    @Test
    void noArrayLeaksAcrossEpochs() {
        ImageDataset data = halves(96, 3);
        try (Network net = Network.create(TINY, 1)) {
            NDManager system;
            try (NDManager probe = NDManager.newBaseManager()) {
                system = probe.getParentManager();
            }
            Trainer t1 = new Trainer(cfg(1));
            t1.train(net, data, data);
            int netArrays = net.manager().getManagedArrays().size();
            int systemArrays = system.getManagedArrays().size();
            new Trainer(cfg(5)).hook(dev.sculptor.engine.prune.NetworkSlimming.sparsityHook(1e-4)).train(net, data, data);
            assertEquals(netArrays, net.manager().getManagedArrays().size());
            assertEquals(systemArrays, system.getManagedArrays().size());
        }
    }

    @Test
    void divergenceIsAClearError() {
        ImageDataset data = halves(32, 4);
        try (Network net = Network.create(TINY, 1)) {
            TrainingHook poison = new TrainingHook() {
                @Override
                public void afterStep(Network n) {
                    n.array("classifier.out.bias").set(new float[] {Float.NaN, 0f});
                }
            };
            TrainingException e = assertThrows(TrainingException.class,
                    () -> new Trainer(cfg(2)).hook(poison).train(net, data, null));
            assertTrue(e.getMessage().contains("loss became NaN at epoch 1, step 2"), e.getMessage());
        }
    }
}
