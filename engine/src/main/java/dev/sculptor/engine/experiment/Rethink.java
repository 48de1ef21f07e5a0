package dev.sculptor.engine.experiment;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.Latency;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.train.ProgressListener;
import dev.sculptor.engine.train.TrainConfig;
import dev.sculptor.engine.train.Trainer;
import dev.sculptor.engine.train.TrainingHook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The central experiment of Liu et al., "Rethinking the Value of Network Pruning" (ICLR 2019):
 * train a baseline, prune it, then compare fine-tuning the inherited weights with training the
 * pruned architecture from scratch for the same epochs (Scratch-E) and for the same compute
 * (Scratch-B), over several seeds; optionally also lottery-ticket rewinding (Frankle and Carbin, ICLR
 * 2019) from the baseline's initial weights, kept as {@code seed-<n>/baseline-init}. Every trained
 * model is checkpointed under the output directory, so a rerun skips finished steps and resumes an
 * interrupted one from its last epoch.
 */
public final class Rethink {
    /** The checkpoint (per seed) of the baseline's initial weights. */
    public static final String INIT = "baseline-init";
    private final RethinkConfig cfg;
    private final Consumer<String> log;
    private final ProgressListener progress;

    public Rethink(RethinkConfig cfg, Consumer<String> log, ProgressListener progress) {
        this.cfg = cfg;
        this.log = log;
        this.progress = progress;
    }

    public ResultTable run() {
        ImageDataset train = cfg.data().train();
        ImageDataset test = cfg.data().test();
        log.accept(String.format("data: %s, %d training and %d test images", cfg.data().name(), train.size(), test.size()));
        Map<String, List<ResultTable.Run>> runs = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (long seed : cfg.seeds()) {
            runSeed(seed, train, test, runs, refused);
        }
        String latency = measureLatency(runs);
        ResultTable table = ResultTable.of(cfg, runs, latency, refused);
        table.write(cfg.outDir());
        return table;
    }

    private void runSeed(long seed, ImageDataset train, ImageDataset test, Map<String, List<ResultTable.Run>> runs,
            Map<String, String> refused) {
        Path dir = cfg.outDir().resolve("seed-" + seed);
        Path baseDir = cfg.baselineDir(seed);
        TrainConfig base = cfg.baseline().withSeed(seed);
        log.accept(String.format("[seed %d] baseline %s: %d epochs%s", seed, cfg.arch().name(), base.epochs(),
                baseDir.equals(dir) ? "" : " (shared, in " + baseDir + ")"));
        Network init = Network.create(cfg.method().prepare(cfg.arch()), seed);
        try {
            saveInit(baseDir.resolve(INIT), init, seed);
        } catch (RuntimeException e) {
            init.close();
            throw e;
        }
        // the baseline depends on the method only where the method trains it (sparsity for slimming and SSS)
        StepFingerprint baseFp = StepFingerprint.of("baseline", init.spec(),
                baselineMethod(), base, cfg.data(), null);
        try (Network baseline = trained(baseDir.resolve("baseline"), baseFp, init, base,
                cfg.method().baselineHooks(), train, test,
                new ModelCheckpoint.Info(new Manifest.Lineage(null, "train", settings(base)), Map.of()))) {
            record(runs, "unpruned", evaluate(seed, baseline, test, base.epochs(), baseDir.resolve("baseline")));

            log.accept(String.format("[seed %d] pruning with %s %s", seed, cfg.method().name(), cfg.method().settings()));
            // checked before the pruned model is written over: a directory of another experiment is refused untouched
            StepFingerprint prunedFp = StepFingerprint.of("pruned", baseline.spec(), methodJson(cfg.method().name(),
                    cfg.method().settings()), base, cfg.data(), baseFp);
            if (!prunedFp.matches(dir.resolve("pruned"))) {
                prunedFp.write(dir.resolve("pruned"));
            }
            PruneResult pr = cfg.method().prune(baseline);
            if (pr.settings() != null && pr.settings().has("note")) {
                log.accept(String.format("[seed %d] %s: %s", seed, pr.method(), pr.settings().get("note").getAsString()));
            }
            try (Network pruned = pr.network()) {
                ModelStats original = ModelStats.of(baseline);
                ModelStats small = ModelStats.of(pruned);
                Manifest.Lineage lineage = new Manifest.Lineage(baseDir.resolve("baseline").toString(), cfg.method().name(),
                        pr.settings());
                // the keep map is recorded: lottery-ticket rewinding reads it back (refitted weights cannot show it)
                ModelCheckpoint.save(dir.resolve("pruned"), pruned, new ModelCheckpoint.Info(lineage, Map.of(), pr.kept()), null,
                        null);
                log.accept(String.format("[seed %d] pruned %s: params %,d -> %,d, FLOPs %,d -> %,d (%.2fx fewer), %.2f s",
                        seed, pruned.spec().name(), original.params(), small.params(), original.flops(), small.flops(),
                        (double) original.flops() / small.flops(), pr.seconds()));
                record(runs, "pruned", evaluate(seed, pruned, test, 0, dir.resolve("pruned")).withSeconds(pr.seconds()));

                String decision = pr.decision();
                for (RetrainMode mode : cfg.modes()) {
                    if (refused.containsKey(mode.id())) {
                        continue;
                    }
                    Network startNet;
                    try {
                        startNet = start(mode, pruned, seed, baseDir.resolve(INIT), dir.resolve("pruned"));
                    } catch (RefusedMode e) {
                        String why = refusal(seed, e.getMessage(), runs.get(mode.id()));
                        refused.put(mode.id(), why);
                        log.accept(String.format("[seed %d] refused %s: %s (the other modes run)", seed, mode.id(), why));
                        continue;
                    }
                    Retraining.Budget b = Retraining.budget(mode, base, cfg.finetuneEpochs(), cfg.finetuneLr(), original,
                            small, cfg.scratchBCap());
                    TrainConfig tc = Retraining.config(b, base);
                    log.accept(String.format("[seed %d] %s: %d epochs, lr %s (%s)%s", seed, mode.id(), b.epochs(), b.lr(),
                            b.schedule(), b.capped() ? ", capped" : ""));
                    Path mdir = dir.resolve(mode.id());
                    JsonObject settings = settings(tc);
                    settings.addProperty("mode", mode.id());
                    settings.addProperty("flopsRatio", b.flopsRatio());
                    if (mode.rewindsToInit()) {
                        settings.addProperty("init", baseDir.resolve(INIT).toString());
                    }
                    StepFingerprint fp = StepFingerprint.of(mode.id(), pruned.spec(), methodJson(pr.method(), pr.settings()), tc,
                            cfg.data(), prunedFp).withDecision(decision);
                    try (Network retrained = trained(mdir, fp, startNet, tc, List.of(),
                            train, test, new ModelCheckpoint.Info(new Manifest.Lineage(dir.resolve("pruned").toString(),
                                    mode.id(), settings), Map.of()))) {
                        record(runs, mode.id(), evaluate(seed, retrained, test, b.epochs(), mdir));
                    }
                }
                if (cfg.control()) {
                    control(seed, dir, base, original, small, train, test, runs);
                }
            }
        }
    }

    /** The row of the unpruned model trained with the baseline's recipe (hooks included) for Scratch-B's epochs. */
    static final String CONTROL = "unpruned-b";

    /**
     * The row of the unpruned model trained plainly (no penalty, no soft pruning) for Scratch-B's epochs: written only
     * for methods whose baseline training has hooks, where the recipe's control carries the penalty that cost the
     * baseline accuracy (and, for SSS, made the longer training unstable).
     */
    static final String CONTROL_PLAIN = "unpruned-b-plain";

    /**
     * The control of Scratch-B: the unpruned model, from the baseline's own initial weights, trained as the baseline was
     * but for Scratch-B's epochs. Scratch-B beating the baseline while this beats it as much says "trained longer", not
     * "the pruned architecture is better". Where the baseline's training has hooks, a second control trains without them
     * ({@link #CONTROL_PLAIN}): what the architecture reaches unpenalised in that budget. Methods sharing a baseline
     * ({@code --baselines}) share it in {@code seed-<n>/unpruned-b-<epochs>} there.
     */
    private void control(long seed, Path dir, TrainConfig base, ModelStats original, ModelStats small,
            ImageDataset train, ImageDataset test, Map<String, List<ResultTable.Run>> runs) {
        Retraining.Budget b = Retraining.budget(RetrainMode.SCRATCH_B, base, cfg.finetuneEpochs(), cfg.finetuneLr(), original,
                small, cfg.scratchBCap());
        TrainConfig tc = Retraining.config(b, base);
        List<TrainingHook> hooks = cfg.method().baselineHooks();
        control(seed, dir, b, tc, CONTROL, baselineMethod(), hooks, train, test, runs);
        if (!hooks.isEmpty()) {
            control(seed, dir, b, tc, CONTROL_PLAIN, null, List.of(), train, test, runs);
        }
    }

    private void control(long seed, Path dir, Retraining.Budget b, TrainConfig tc, String row, JsonObject method,
            List<TrainingHook> hooks, ImageDataset train, ImageDataset test, Map<String, List<ResultTable.Run>> runs) {
        log.accept(String.format("[seed %d] %s (control): the unpruned model for Scratch-B's %d epochs%s", seed, row,
                b.epochs(), row.equals(CONTROL_PLAIN) ? ", without the baseline's penalty or soft pruning" : ""));
        Network init = Network.create(cfg.method().prepare(cfg.arch()), seed);
        StepFingerprint fp = StepFingerprint.of(row, init.spec(), method, tc, cfg.data(), null);
        JsonObject settings = settings(tc);
        settings.addProperty("mode", row);
        settings.addProperty("flopsRatio", b.flopsRatio());
        // it depends on the method only through Scratch-B's epochs: with a shared baseline it is shared too, one per budget
        Path baseDir = cfg.baselineDir(seed);
        Path cdir = baseDir.equals(dir) ? dir.resolve(row) : baseDir.resolve(row + "-" + b.epochs());
        try (Network trained = trained(cdir, fp, init, tc, hooks, train, test,
                new ModelCheckpoint.Info(new Manifest.Lineage(null, row, settings), Map.of()))) {
            record(runs, row, evaluate(seed, trained, test, b.epochs(), cdir));
        }
    }

    /**
     * Keeps the baseline's initial weights (lottery-ticket rewinding starts from them). Written
     * before the baseline trains; an experiment directory from before this checkpoint existed gets it
     * on its next run, from the same seed (which gives the same weights).
     */
    private static void saveInit(Path dir, Network init, long seed) {
        if (Files.exists(dir.resolve(CheckpointDir.MANIFEST))) {
            return;
        }
        JsonObject settings = new JsonObject();
        settings.addProperty("seed", seed);
        ModelCheckpoint.save(dir, init, new ModelCheckpoint.Info(new Manifest.Lineage(null, INIT, settings), Map.of()),
                null, null);
    }

    /**
     * The table's note on a mode refused on {@code seed}: the seed and why, and, where earlier seeds ran it, that its row
     * holds only those. Their runs are kept rather than dropped: each is a valid run, and the paired comparisons use
     * only the seeds both rows have; the note keeps a reader from taking the row's mean for one over every seed. The
     * mode is not tried on later seeds: what refuses it (a pruning that records no keep map) is mostly the same for all.
     */
    private String refusal(long seed, String why, List<ResultTable.Run> earlier) {
        List<Long> later = cfg.seeds().subList(cfg.seeds().indexOf(seed) + 1, cfg.seeds().size());
        StringBuilder sb = new StringBuilder("refused on seed " + seed + ": " + why);
        if (earlier != null && !earlier.isEmpty()) {
            sb.append("; its row holds only the earlier seeds ").append(earlier.stream().map(ResultTable.Run::seed).toList());
        }
        if (!later.isEmpty()) {
            sb.append("; not tried on seeds ").append(later);
        }
        return sb.toString();
    }

    /** A mode that cannot apply to this pruned model, with why; the experiment goes on without it. */
    static final class RefusedMode extends RuntimeException {
        RefusedMode(String why) {
            super(why);
        }
    }

    /**
     * The network a retrain mode starts from. Lottery-ticket cuts the saved initial weights with the keep map read back
     * from the pruned checkpoint's manifest (where the pruning recorded it), so that it works for any method that
     * selects channels, refitted or not, and for a pruned model written by an earlier run.
     */
    static Network start(RetrainMode mode, Network pruned, long seed, Path initDir, Path prunedDir) {
        if (!mode.rewindsToInit()) {
            return Retraining.start(mode, pruned, seed + 1000);
        }
        Manifest m = CheckpointDir.readManifest(prunedDir);
        Map<String, int[]> kept = m.kept();
        JsonObject how = m.lineage() == null ? null : m.lineage().settings();
        if (how != null && how.has("removedBlocks")) {
            // a pruning by blocks: the ticket is the initial network without the same blocks (none where no scale
            // reached zero: then only the scales are folded away, as in the pruned model)
            List<String> removed = how.getAsJsonArray("removedBlocks").asList().stream().map(e -> e.getAsString()).toList();
            try (Network init = ModelCheckpoint.load(initDir).network()) {
                return Retraining.rewindBlocks(init, pruned, removed);
            } catch (dev.sculptor.engine.arch.ArchException e) {
                throw new RefusedMode(e.getMessage());
            }
        }
        if (kept == null) {
            throw new RefusedMode("the pruned checkpoint " + prunedDir + " records no keep map, so the initial network "
                    + "cannot be cut like it");
        }
        try (Network init = ModelCheckpoint.load(initDir).network()) {
            return Retraining.start(mode, pruned, seed + 1000, init, kept);
        } catch (dev.sculptor.engine.arch.ArchException e) {
            throw new RefusedMode(e.getMessage());
        }
    }

    /**
     * Trains into {@code dir}, or reuses a finished run found there; an unfinished one resumes. Either only
     * when the run there was made with the same fingerprint (anything else is refused, see {@link StepFingerprint}).
     * The returned network is {@code fresh} (now trained) or a loaded copy, in which case fresh is closed.
     */
    private Network trained(Path dir, StepFingerprint fp, Network fresh, TrainConfig tc,
            List<dev.sculptor.engine.train.TrainingHook> hooks, ImageDataset train, ImageDataset test, ModelCheckpoint.Info info) {
        boolean same;
        try {
            same = fp.matches(dir);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        if (!same) {
            fp.write(dir);
        }
        Path done = dir.resolve(CheckpointDir.MANIFEST);
        if (same && Files.exists(done)) {
            Manifest m = CheckpointDir.readManifest(dir);
            if (m.training() != null && m.training().get("epoch").getAsInt() + 1 >= tc.epochs()
                    && m.training().has("seconds")) {
                fresh.close();
                log.accept("  reusing finished run in " + dir);
                return ModelCheckpoint.load(dir).network();
            }
        }
        if (tc.epochs() == 0) {
            ModelCheckpoint.save(dir, fresh, info, doneState(0, 0), null);
            return fresh;
        }
        Trainer t = new Trainer(tc.withCheckpoints(dir, true)).listener(progress).checkpointInfo(info);
        hooks.forEach(t::hook);
        Trainer.Result r = t.train(fresh, train, test);
        // mark the run finished, with its wall time, for reuse and for the table
        Manifest m = CheckpointDir.readManifest(dir);
        JsonObject training = m.training();
        training.addProperty("seconds", r.seconds() + previousSeconds(r));
        ModelCheckpoint.save(dir, fresh, info, training, null);
        return fresh;
    }

    private static double previousSeconds(Trainer.Result r) {
        return r.history().stream().limit(Math.max(0, r.resumedAfterEpoch() + 1)).mapToDouble(e -> e.seconds()).sum();
    }

    private static JsonObject doneState(int epochs, double seconds) {
        JsonObject o = new JsonObject();
        o.addProperty("epoch", epochs - 1);
        o.addProperty("epochs", epochs);
        o.addProperty("seconds", seconds);
        return o;
    }

    private static double timeOf(Path dir) {
        Manifest m = CheckpointDir.readManifest(dir);
        return m.training() != null && m.training().has("seconds") ? m.training().get("seconds").getAsDouble() : 0;
    }

    /** Accuracy, loss and costs; latency comes later, for all rows at once ({@link #measureLatency}). */
    private ResultTable.Run evaluate(long seed, Network net, ImageDataset test, int epochs, Path checkpoint) {
        Evaluator.Result ev = Evaluator.evaluate(net, test, 256);
        ModelStats s = ModelStats.of(net);
        return new ResultTable.Run(seed, ev.accuracy(), bestAccuracyOf(checkpoint), ev.loss(), s.params(), s.flops(),
                epochs, timeOf(checkpoint), checkpoint.toString(), null);
    }

    /** The highest per-epoch test accuracy in a checkpoint's training history; NaN without one. */
    private static double bestAccuracyOf(Path dir) {
        Manifest m = CheckpointDir.readManifest(dir);
        if (m.training() == null || !m.training().has("history")) {
            return Double.NaN;
        }
        double best = Double.NaN;
        for (var e : m.training().getAsJsonArray("history")) {
            JsonObject o = e.getAsJsonObject();
            if (o.has("testAccuracy") && !(o.get("testAccuracy").getAsDouble() <= best)) {
                best = o.get("testAccuracy").getAsDouble();
            }
        }
        return best;
    }

    /** Warm-up passes, timed batches (single-image passes: 5x as many) and batch size of the latency measurement. */
    static final int LATENCY_WARMUP = 5;
    static final int LATENCY_RUNS = 10;
    static final int LATENCY_BATCH = 64;
    /**
     * One libtorch thread while measuring: with more, every pass waits for its slowest thread, so one busy core on a
     * shared machine stretches the tail by orders of magnitude; one thread is also the same on every machine.
     */
    static final int LATENCY_THREADS = 1;

    /**
     * Measures every recorded model's latency from its checkpoint, one after another once all training is done (so
     * nothing else trains meanwhile), each after its own warm-up, all at the same libtorch thread count.
     *
     * @return how they were measured, for the table
     */
    private String measureLatency(Map<String, List<ResultTable.Run>> runs) {
        int threads = LATENCY_THREADS;
        // other processes are beyond our control: say how busy the machine was, so a reader can judge the spread
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (List<ResultTable.Run> row : runs.values()) {
            row.replaceAll(r -> {
                try (Network net = ModelCheckpoint.load(Path.of(r.checkpoint())).network()) {
                    return r.withLatency(Latency.measure(net, LATENCY_BATCH, LATENCY_RUNS, LATENCY_WARMUP, threads));
                }
            });
        }
        return String.format("measured after all training, one model after another, each after warm-up passes in rounds "
                + "of %d until a round is no faster than the one before; "
                + "latency over %d single-image passes, throughput over %d batches of %d; %d libtorch thread(s); "
                + "system load average %.2f on %d cores when it began", LATENCY_WARMUP, 5 * LATENCY_RUNS, LATENCY_RUNS,
                LATENCY_BATCH, threads, load, Runtime.getRuntime().availableProcessors());
    }

    private static void record(Map<String, List<ResultTable.Run>> runs, String row, ResultTable.Run run) {
        runs.computeIfAbsent(row, k -> new ArrayList<>()).add(run);
    }

    /**
     * The method as far as it trains the baseline (and the control): its word and {@link
     * dev.sculptor.engine.prune.PruningMethod#baselineSettings}; null when it does not (the baseline is plain).
     */
    private JsonObject baselineMethod() {
        return cfg.method().baselineHooks().isEmpty() ? null
                : methodJson(cfg.method().def().word(), cfg.method().baselineSettings());
    }

    private static JsonObject methodJson(String name, JsonObject settings) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        JsonObject s = settings == null ? new JsonObject() : settings.deepCopy();
        // the pruning's wall time (ThiNet's and regression's settings carry it) determines nothing: a rerun that prunes
        // again must still match the steps after it
        s.remove("seconds");
        // SSS's trained block scales are what it saw, not what it was asked; their last bits differ between machines,
        // and the decision digest already covers the blocks they removed
        s.remove(dev.sculptor.engine.prune.SparseStructureSelection.BLOCK_SCALES);
        o.add("settings", s);
        return o;
    }

    static JsonObject settings(TrainConfig tc) {
        JsonObject o = new JsonObject();
        o.addProperty("epochs", tc.epochs());
        o.addProperty("batchSize", tc.batchSize());
        o.addProperty("lr", tc.lr());
        o.addProperty("schedule", tc.schedule());
        o.addProperty("momentum", tc.momentum());
        o.addProperty("weightDecay", tc.weightDecay());
        o.addProperty("seed", tc.seed());
        return o;
    }
}
