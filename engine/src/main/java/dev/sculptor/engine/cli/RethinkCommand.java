package dev.sculptor.engine.cli;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.experiment.ResultTable;
import dev.sculptor.engine.experiment.RetrainMode;
import dev.sculptor.engine.experiment.Rethink;
import dev.sculptor.engine.experiment.RethinkConfig;
import dev.sculptor.engine.experiment.Retraining;
import dev.sculptor.engine.prune.NetworkSlimming;
import dev.sculptor.engine.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The whole experiment of "Rethinking the Value of Network Pruning" (Liu et al., ICLR 2019). */
@Command(name = "rethink", mixinStandardHelpOptions = true,
        description = {"Baseline -> prune -> {fine-tune, Scratch-E, Scratch-B} -> evaluate, over seeds; prints and writes "
                + "(results.json, results.md) the paper's table, and report.html (its plots).",
            "Rerunning with the same --out reuses finished steps and resumes an interrupted one."})
final class RethinkCommand implements Callable<Integer> {
    @Option(names = "--arch", description = "(default: lenet for fashion-mnist; vgg16 for cifar10, vgg19-slim for slimming "
            + "on cifar10: Network Slimming's VGG-19 without the hidden linear layer; resnet20 for sss on either, which "
            + "needs residual blocks)")
    String arch;

    @Option(names = "--quick", description = "5,000 training / 1,000 test images, 3 epochs (1 fine-tune epoch); a given "
            + "--epochs or subset wins. Measured on 2 cores: l1 on lenet trains about 40 s (plus loading and latency), "
            + "1 to 2.5 minutes a run with --control and lottery-ticket (sss on resnet20 the longest)")
    boolean quick;

    @Option(names = "--finetune-epochs", description = "(default: a quarter of the baseline's epochs, at least 1)")
    Integer finetuneEpochs;

    @Option(names = "--finetune-lr", description = "constant lr of fine-tuning (default: the rate the baseline's schedule "
            + "ended with, e.g. 0.001 after 0.1 with the step schedule, as the reference)")
    Double finetuneLr;

    @Option(names = "--scratch-b-cap", description = "Scratch-B trains at most this multiple of the baseline epochs")
    Double cap;

    @Option(names = "--modes", split = ",", description = "retrain modes: fine-tune, scratch-e, scratch-b, lottery-ticket "
            + "(the baseline's initial weights cut like the pruned model; Frankle and Carbin 2019) "
            + "(default: fine-tune,scratch-e,scratch-b)")
    List<String> modes = new ArrayList<>(List.of("fine-tune", "scratch-e", "scratch-b"));

    @Option(names = "--seeds", split = ",", description = "one run per seed (default: 1)")
    List<Long> seeds = new ArrayList<>();

    @Option(names = "--out", description = "results and checkpoints (default: runs/rethink-<method>[-<amount>]-<arch>-<dataset>-e<epochs>-lr<lr>[-n<subset>]-<digest of every setting>)")
    Path out;

    @Option(names = "--control", description = "also train the unpruned model with the baseline's recipe for Scratch-B's "
            + "epochs (row unpruned-b): tells \"Scratch-B beats the baseline\" apart from \"trained longer\"; for slimming, "
            + "sss and sfp also without their penalty or soft pruning (row unpruned-b-plain)")
    boolean control;

    @Option(names = "--baselines", description = "directory of baselines shared by experiments of several methods "
            + "(seed-<n>/baseline); methods that train their own (slimming, sss, sfp) keep theirs in --out")
    Path baselines;

    @Option(names = "--json", description = "print the table as JSON")
    boolean json;

    @Mixin
    Options.Data data = new Options.Data();

    @Mixin
    Options.Training training = new Options.Training();

    @Mixin
    Options.Method method = new Options.Method();

    /**
     * The key settings in the name (method, its amount, arch, data, epochs, lr, subset) and a digest of all of them (the
     * method's settings, the Scratch-B cap and an explicit data directory included), so that two experiments that differ
     * in anything get different directories by default.
     */
    static String defaultDirName(dev.sculptor.engine.prune.PruningMethod m, String arch, DataSpec ds, TrainConfig base,
            int finetuneEpochs, double finetuneLr, Double cap) {
        String all = m.name() + m.settings() + arch + ds.name() + ds.trainSubset() + "/" + ds.testSubset() + base.epochs() + "/"
                + base.lr() + base.batchSize() + base.schedule() + base.weightDecay() + base.momentum() + base.augment() + "/"
                + finetuneEpochs + "/" + finetuneLr + "/" + cap + "/" + (ds.dir() == null ? "" : ds.dir().toAbsolutePath());
        String digest = dev.sculptor.engine.checkpoint.Sha256.of(all.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String amount = "";
        for (String key : List.of("ratio", "rate", "percent")) {
            com.google.gson.JsonElement v = m.settings().get(key);
            if (v != null && v.isJsonPrimitive()) {
                amount = "-" + key + v.getAsString();
                break;
            }
        }
        return "rethink-" + m.name() + amount + "-" + arch + "-" + ds.name() + "-e" + base.epochs() + "-lr" + base.lr()
                + (ds.trainSubset() > 0 ? "-n" + ds.trainSubset() : "") + "-" + digest.substring(0, 8);
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    /** Epochs quick runs get unless {@code --epochs} is given. */
    static final int QUICK_EPOCHS = 3;

    /**
     * The baseline's epochs: {@code --epochs} when given on the command line (its default value included, so an
     * explicit {@code --epochs 10} with {@code --quick} is 10), else {@link #QUICK_EPOCHS} with {@code --quick}, else
     * the option's default.
     */
    int baselineEpochs() {
        boolean given = commandSpec != null && commandSpec.commandLine().getParseResult() != null
                && commandSpec.commandLine().getParseResult().hasMatchedOption("--epochs");
        return quick && !given ? QUICK_EPOCHS : training.epochs;
    }

    @Override
    public Integer call() {
        String archName = arch != null ? arch : CommandSupport.defaultArch(data.dataset, method.method);
        TrainConfig base = training.config(archName);
        DataSpec ds = data.spec();
        if (quick) {
            ds = new DataSpec(ds.name(), ds.dir(), ds.trainSubset() > 0 ? ds.trainSubset() : 5000,
                    ds.testSubset() > 0 ? ds.testSubset() : 1000);
            base = base.withEpochs(baselineEpochs());
        }
        int ft = finetuneEpochs != null ? finetuneEpochs : Retraining.defaultFinetuneEpochs(base.epochs());
        double ftLr = finetuneLr != null ? finetuneLr : Retraining.defaultFinetuneLr(base);
        // one output per class of the dataset, not a fixed 10
        ArchSpec spec = Architectures.named(archName, ds.inputShape(), ds.numClasses());
        DataSpec trainData = ds; // data-driven methods (thinet, regression) sample the same training split
        var pruning = method.build(spec, trainData::train);
        if (pruning instanceof NetworkSlimming ns) {
            // the scales' histogram where sparsity training ends (each seed's plan), beside the experiment's log
            pruning = ns.reportingTo(line -> {
                if (!json) {
                    System.err.println(line);
                }
            });
            if (!json) {
                System.err.println("slimming: lambda " + ns.lambda() + (method.lambda == null ? " (the reference's default for "
                        + spec.family() + ")" : ""));
            }
        }
        Path dir = out != null ? out : Path.of("runs", defaultDirName(pruning, archName, ds, base, ft, ftLr, cap));
        RethinkConfig cfg = new RethinkConfig(spec, ds, pruning, base, ft, ftLr, cap,
                modes.stream().map(RetrainMode::parse).toList(), Options.seeds(seeds), dir, control, baselines);
        ResultTable table = new Rethink(cfg, line -> {
            if (!json) {
                System.err.println(line);
            }
        }, new Progress(json)).run();
        if (json) {
            System.out.println(table.toJson());
        } else {
            System.out.println();
            System.out.println(table.toMarkdown());
            System.out.println("written: " + dir.resolve("results.md") + ", " + dir.resolve("results.json") + ", "
                    + dir.resolve(dev.sculptor.engine.experiment.HtmlReport.FILE));
        }
        return 0;
    }
}
