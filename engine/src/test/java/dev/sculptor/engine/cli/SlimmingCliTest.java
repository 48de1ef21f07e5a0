package dev.sculptor.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.prune.NetworkSlimming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Network Slimming on the command line: the reference's defaults and the scale histogram where sparsity ends. */
class SlimmingCliTest {
    static final List<Integer> CIFAR = List.of(3, 32, 32);

    static Options.Method slimming(Double lambda) {
        Options.Method m = new Options.Method();
        m.method = "slimming";
        m.lambda = lambda;
        return m;
    }

    @Test
    void lambdaFollowsTheArchitectureUnlessGiven() {
        NetworkSlimming pre = (NetworkSlimming) slimming(null).build(Architectures.named("preresnet164", CIFAR, 10), null);
        assertEquals(1e-5, pre.settings().get("lambda").getAsDouble());
        NetworkSlimming vgg = (NetworkSlimming) slimming(null).build(Architectures.named("vgg19-slim", CIFAR, 10), null);
        assertEquals(1e-4, vgg.settings().get("lambda").getAsDouble());
        NetworkSlimming given = (NetworkSlimming) slimming(2e-4).build(Architectures.named("preresnet164", CIFAR, 10), null);
        assertEquals(2e-4, given.settings().get("lambda").getAsDouble());
        assertEquals(0.5, given.settings().get("percent").getAsDouble(), "slimming's default percent");
    }

    @Test
    void slimmingOnCifarDefaultsToTheVggWithoutHiddenLayer() {
        assertEquals("vgg19-slim", CommandSupport.defaultArch("cifar10", "slimming"));
        assertEquals("vgg19-slim", CommandSupport.defaultArch("CIFAR10", "network-slimming"));
        assertEquals("vgg16", CommandSupport.defaultArch("cifar10", "l1"));
        assertEquals("lenet", CommandSupport.defaultArch("fashion-mnist", "slimming"));
    }

    @Test
    void trainWithSparsityAndPruneShowTheHistogramAndTheLambdaUsed(@TempDir Path dir) {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "apt-get install dataset-fashion-mnist");
        String[] data = {"--train-subset", "256", "--test-subset", "64"};
        Path base = dir.resolve("base");
        EngineCliTest.Run r = EngineCliTest.run(concat(new String[] {"train", "--epochs", "1", "--batch-size", "32",
            "--no-augment", "--sparsity", "1e-3", "--out", base.toString(), "--json"}, data));
        assertEquals(0, r.code(), r.err());
        JsonObject h = r.json().getAsJsonObject("scaleHistogram");
        // lenet: conv 32 and 64, each gated by its BN (the hidden Linear has none)
        assertEquals(96, h.get("channels").getAsInt());
        assertEquals(NetworkSlimming.HISTOGRAM_BINS + 1, h.getAsJsonArray("edges").size());
        assertEquals(96, h.getAsJsonArray("counts").asList().stream().mapToInt(e -> e.getAsInt()).sum());

        r = EngineCliTest.run("prune", "--in", base.toString(), "--method", "slimming", "--percent", "0.5", "--out",
                dir.resolve("p").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject settings = r.json().getAsJsonObject("settings");
        // no --lambda: the one the checkpoint was trained with, not the family's default
        assertEquals(1e-3, settings.get("lambda").getAsDouble());
        assertEquals(96, settings.getAsJsonObject("scaleHistogram").get("channels").getAsInt());

        r = EngineCliTest.run("prune", "--in", base.toString(), "--method", "slimming", "--percent", "0.5", "--out",
                dir.resolve("p2").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("BN scales of lenet after sparsity training (lambda 0.001)"), r.out());
        assertTrue(r.out().contains("of 96 scales"), r.out());
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
