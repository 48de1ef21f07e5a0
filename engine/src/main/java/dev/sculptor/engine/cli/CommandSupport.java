package dev.sculptor.engine.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.ModelStats;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small pieces the commands share. */
final class CommandSupport {
    private CommandSupport() {}

    static String defaultArch(String dataset) {
        return dataset.equalsIgnoreCase("cifar10") ? "vgg16" : "lenet";
    }

    /** Sparse structure selection's architecture when none is given (it removes residual blocks). */
    static final String SSS_ARCH = "resnet20";

    /**
     * The architecture an experiment with {@code method} uses when none is given: Network Slimming's VGG on CIFAR-10 is
     * its VGG-19 without the hidden linear layer ({@code vgg19-slim}), as in its reference; sparse structure selection,
     * which removes residual blocks, gets {@link #SSS_ARCH} on either dataset: the smallest of the named CIFAR ResNets
     * (He et al.), with three blocks a stage so that a stage keeps some when one goes, and the quick table's; else
     * {@link #defaultArch}.
     */
    static String defaultArch(String dataset, String method) {
        dev.sculptor.engine.prune.MethodDef def = dev.sculptor.engine.prune.MethodDef.byName(method);
        if (def == dev.sculptor.engine.prune.MethodDef.SPARSE_STRUCTURE_SELECTION) {
            return SSS_ARCH;
        }
        boolean slimming = def == dev.sculptor.engine.prune.MethodDef.NETWORK_SLIMMING;
        return slimming && dataset.equalsIgnoreCase("cifar10") ? "vgg19-slim" : defaultArch(dataset);
    }

    static JsonObject describe(Network net, Evaluator.Result ev) {
        ModelStats s = ModelStats.of(net);
        JsonObject o = new JsonObject();
        o.addProperty("arch", net.spec().name());
        o.addProperty("params", s.params());
        o.addProperty("flops", s.flops());
        if (ev != null) {
            o.addProperty("accuracy", ev.accuracy());
            o.addProperty("loss", ev.loss());
            o.addProperty("testImages", ev.examples());
        }
        return o;
    }

    /** Rewrites the checkpoint with its final metrics, keeping its training state. */
    static void saveWithMetrics(Path dir, Network net, ModelCheckpoint.Info info, Evaluator.Result ev) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", ev.accuracy());
        metrics.put("loss", ev.loss());
        ModelStats s = ModelStats.of(net);
        metrics.put("params", (double) s.params());
        metrics.put("flops", (double) s.flops());
        JsonObject training = dir.resolve(CheckpointDir.MANIFEST).toFile().exists()
                ? CheckpointDir.readManifest(dir).training() : null;
        ModelCheckpoint.save(dir, net, info.withMetrics(metrics), training, null);
    }

    static void print(JsonObject o, boolean json, String human) {
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
        } else {
            System.out.println(human);
        }
    }
}
