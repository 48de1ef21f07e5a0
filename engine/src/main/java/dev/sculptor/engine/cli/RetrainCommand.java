package dev.sculptor.engine.cli;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.experiment.KeptChannels;
import dev.sculptor.engine.experiment.RetrainMode;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Retrains a pruned checkpoint by fine-tuning, Scratch-E, Scratch-B or lottery-ticket rewinding. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = "Retrain a pruned model: fine-tune (inherited weights), scratch-e (baseline epochs), "
                + "scratch-b (baseline epochs x FLOPs(original)/FLOPs(pruned)) or lottery-ticket (the baseline's "
                + "initial weights, cut like the pruned model, for the baseline epochs; needs --init).")
final class RetrainCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "pruned checkpoint directory")
    Path in;

    @Option(names = "--original", description = "the unpruned checkpoint (default: the pruned checkpoint's parent)")
    Path original;

    @Option(names = "--mode", required = true, description = "fine-tune, scratch-e, scratch-b or lottery-ticket")
    String mode;

    @Option(names = "--init", description = "lottery-ticket: checkpoint of the baseline's initial weights "
            + "(rethink keeps it as seed-<n>/baseline-init)")
    Path init;

    @Option(names = "--out", required = true, description = "checkpoint directory (resumes if a run is there)")
    Path out;

    @Option(names = "--finetune-epochs", description = "(default: a quarter of the baseline's --epochs, at least 1)")
    Integer finetuneEpochs;

    @Option(names = "--finetune-lr", description = "constant lr of fine-tuning (default: the rate the baseline's schedule "
            + "ended with, e.g. 0.001 after 0.1 with the step schedule)")
    Double finetuneLr;

    @Option(names = "--scratch-b-cap", description = "Scratch-B trains at most this multiple of the baseline epochs")
    Double cap;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Mixin
    Options.Data data = new Options.Data();

    @Mixin
    Options.Training training = new Options.Training();

    @Override
    public Integer call() {
        RetrainMode m = RetrainMode.parse(mode);
        if (m.rewindsToInit() && init == null) {
            throw new IllegalArgumentException(m.id() + " needs --init, the checkpoint of the baseline's initial weights "
                    + "(rethink keeps it as seed-<n>/baseline-init)");
        }
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(in);
        try (Network pruned = loaded.network()) {
            Path parent = original;
            if (parent == null && loaded.manifest().lineage() != null && loaded.manifest().lineage().parent() != null) {
                parent = Path.of(loaded.manifest().lineage().parent());
            }
            ModelStats originalStats;
            Map<String, int[]> kept = Map.of();
            if (parent != null) {
                try (Network o = ModelCheckpoint.load(parent).network()) {
                    originalStats = ModelStats.of(o);
                    if (m.rewindsToInit()) {
                        // which channels the pruning kept: recorded by the prune, else recovered (exact slices of the original)
                        kept = loaded.manifest().kept() != null ? loaded.manifest().kept() : KeptChannels.recover(o, pruned);
                    }
                }
            } else if (m == RetrainMode.SCRATCH_B) {
                throw new IllegalArgumentException("scratch-b needs the original model's FLOPs: pass --original");
            } else {
                originalStats = ModelStats.of(pruned);
            }
            TrainConfig base = training.config(pruned.spec().family());
            Retraining.Budget b = Retraining.budget(m, base,
                    finetuneEpochs != null ? finetuneEpochs : Retraining.defaultFinetuneEpochs(base.epochs()),
                    finetuneLr != null ? finetuneLr : Retraining.defaultFinetuneLr(base), originalStats, ModelStats.of(pruned),
                    cap);
            TrainConfig tc = Retraining.config(b, base).withCheckpoints(out, true);
            JsonObject settings = new JsonObject();
            settings.addProperty("mode", m.id());
            settings.addProperty("epochs", b.epochs());
            settings.addProperty("lr", b.lr());
            settings.addProperty("flopsRatio", b.flopsRatio());
            if (m.rewindsToInit()) {
                settings.addProperty("init", init.toString());
            }
            ModelCheckpoint.Info info = new ModelCheckpoint.Info(new Manifest.Lineage(in.toString(), m.id(), settings), Map.of());
            ImageDataset train = data.spec().train();
            ImageDataset test = data.spec().test();
            if (!json) {
                System.err.printf("%s: %d epochs at lr %s (%s), FLOPs ratio %.2f%s%n", m.id(), b.epochs(), b.lr(), b.schedule(),
                        b.flopsRatio(), b.capped() ? " (capped)" : "");
            }
            try (Network net = start(m, pruned, base.seed() + 1000, kept, parent != null)) {
                Trainer.Result r = new Trainer(tc).listener(new Progress(json)).checkpointInfo(info).train(net, train, test);
                Evaluator.Result ev = Evaluator.evaluate(net, test, 256);
                CommandSupport.saveWithMetrics(out, net, info, ev);
                JsonObject o = CommandSupport.describe(net, ev);
                o.addProperty("mode", m.id());
                o.addProperty("epochs", b.epochs());
                o.addProperty("flopsRatio", b.flopsRatio());
                o.addProperty("capped", b.capped());
                o.addProperty("seconds", r.seconds());
                o.addProperty("checkpoint", out.toString());
                CommandSupport.print(o, json, String.format("%s: test accuracy %.2f%% after %d epochs, checkpoint %s", m.id(),
                        100 * ev.accuracy(), b.epochs(), out));
            }
        }
        return 0;
    }

    /** The starting network; lottery-ticket cuts the initial weights with the recovered keep map. */
    private Network start(RetrainMode m, Network pruned, long seed, Map<String, int[]> kept, boolean haveOriginal) {
        if (!m.rewindsToInit()) {
            return Retraining.start(m, pruned, seed);
        }
        try (Network initial = ModelCheckpoint.load(init).network()) {
            String n = pruned.spec().name();
            if (!haveOriginal && !initial.spec().withName(n).equals(pruned.spec())) {
                throw new IllegalArgumentException(m.id() + " needs the trained unpruned model to tell which channels were "
                        + "kept: pass --original");
            }
            return Retraining.start(m, pruned, seed, initial, kept);
        }
    }
}
