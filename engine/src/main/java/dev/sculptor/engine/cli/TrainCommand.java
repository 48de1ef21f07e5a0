package dev.sculptor.engine.cli;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.prune.NetworkSlimming;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains a model from scratch into a checkpoint directory, checkpointing every epoch. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model; a checkpoint is written every epoch and --resume continues after a crash.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--arch", description = "(default: lenet for fashion-mnist, vgg16 for cifar10)")
    String arch;

    @Option(names = "--out", required = true, description = "checkpoint directory")
    Path out;

    @Option(names = "--resume", description = "continue from the checkpoint in --out if there is one")
    boolean resume;

    @Option(names = "--sparsity", description = "Network Slimming: L1 penalty on BN scales (e.g. 1e-4); 0 = off",
            defaultValue = "0")
    double sparsity;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Mixin
    Options.Data data = new Options.Data();

    @Mixin
    Options.Training training = new Options.Training();

    @Override
    public Integer call() {
        // one output per class of the dataset (classes.txt of a data directory), not a fixed 10, as rethink
        ArchSpec spec = Architectures.named(arch != null ? arch : CommandSupport.defaultArch(data.dataset),
                data.spec().inputShape(), data.spec().numClasses());
        ImageDataset train = data.spec().train();
        ImageDataset test = data.spec().test();
        TrainConfig cfg = training.config(spec.name()).withCheckpoints(out, resume);
        JsonObject settings = new JsonObject();
        settings.addProperty("epochs", cfg.epochs());
        settings.addProperty("lr", cfg.lr());
        settings.addProperty("sparsity", sparsity);
        ModelCheckpoint.Info info = new ModelCheckpoint.Info(new Manifest.Lineage(null, "train", settings), Map.of());
        try (Network net = Network.create(spec, cfg.seed())) {
            Trainer t = new Trainer(cfg).listener(new Progress(json)).checkpointInfo(info);
            if (sparsity > 0) {
                t.hook(NetworkSlimming.sparsityHook(sparsity));
            }
            if (!json) {
                System.err.printf("training %s on %s (%d images) for %d epochs on %s%n", spec.name(), data.dataset,
                        train.size(), cfg.epochs(), net.device());
            }
            Trainer.Result r = t.train(net, train, test);
            Evaluator.Result ev = Evaluator.evaluate(net, test, 256);
            CommandSupport.saveWithMetrics(out, net, info, ev);
            JsonObject o = CommandSupport.describe(net, ev);
            o.addProperty("checkpoint", out.toString());
            o.addProperty("resumedAfterEpoch", r.resumedAfterEpoch());
            o.addProperty("seconds", r.seconds());
            String human = String.format("trained %s: test accuracy %.2f%%, checkpoint %s", spec.name(), 100 * ev.accuracy(),
                    out);
            if (sparsity > 0) {
                // where slimming's sparsity training ends: were the scales made sparse?
                NetworkSlimming.ScaleHistogram h = NetworkSlimming.scaleHistogram(net);
                o.add("scaleHistogram", h.toJson());
                human += "\nBN scales after sparsity training (lambda " + sparsity + "):\n" + h.toText();
            }
            CommandSupport.print(o, json, human);
        }
        return 0;
    }
}
