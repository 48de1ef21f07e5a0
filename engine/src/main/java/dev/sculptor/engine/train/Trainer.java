package dev.sculptor.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.Batch;
import dev.sculptor.engine.data.BatchIterator;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.numerics.Numerics;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop: SGD, a schedule, hooks for pruning methods, per-epoch checkpoints and resume.
 *
 * <p>Every batch runs inside an {@link NDScope} and a sub-manager so no array outlives its step;
 * memory stays flat across epochs (see {@code TrainerTest}).
 */
public final class Trainer {
    private static final Gson GSON = new Gson();
    private final TrainConfig cfg;
    private final List<TrainingHook> hooks = new ArrayList<>();
    private ProgressListener listener = ProgressListener.NONE;
    private ModelCheckpoint.Info checkpointInfo = ModelCheckpoint.Info.EMPTY;

    public Trainer(TrainConfig cfg) {
        this.cfg = cfg;
    }

    public Trainer hook(TrainingHook hook) {
        hooks.add(hook);
        return this;
    }

    public Trainer listener(ProgressListener l) {
        this.listener = l;
        return this;
    }

    /** Lineage and method settings written into every per-epoch checkpoint. */
    public Trainer checkpointInfo(ModelCheckpoint.Info info) {
        this.checkpointInfo = info;
        return this;
    }

    /** Result of a run: per-epoch history, and the epoch it resumed after (-1 when fresh). */
    public record Result(List<EpochStats> history, int resumedAfterEpoch, double seconds) {
        public EpochStats last() {
            return history.isEmpty() ? null : history.get(history.size() - 1);
        }
    }

    public Result train(Network net, ImageDataset train, ImageDataset test) {
        try (Sgd sgd = new Sgd(net, cfg.momentum(), cfg.weightDecay())) {
            return train(net, train, test, sgd);
        }
    }

    private Result train(Network net, ImageDataset train, ImageDataset test, Sgd sgd) {
        Schedule schedule = cfg.scheduleFunction();
        List<EpochStats> history = new ArrayList<>();
        int start = 0;
        int resumedAfter = -1;
        // the CPUs and kernels that computed this run: results differ between machines in their last digits, which
        // SGD amplifies, so a reader comparing tables must know where each run came from (a resumed run may have two)
        JsonArray machines = new JsonArray();
        if (cfg.checkpointDir() != null && cfg.resume() && Files.exists(cfg.checkpointDir().resolve("manifest.json"))) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.loadInto(cfg.checkpointDir(), net);
            JsonObject training = loaded.manifest().training();
            if (training == null || !training.has("epoch") || loaded.optimizer() == null) {
                throw new TrainingException(cfg.checkpointDir() + ": not a training checkpoint (no epoch or optimizer state)");
            }
            importState(sgd, loaded.optimizer());
            for (var e : training.getAsJsonArray("history")) {
                history.add(fromJson(e.getAsJsonObject()));
            }
            resumedAfter = training.get("epoch").getAsInt();
            if (training.has("machines")) {
                machines.addAll(training.getAsJsonArray("machines"));
            }
            start = resumedAfter + 1;
        }
        if (start == 0) {
            for (TrainingHook h : hooks) {
                h.beforeTraining(net);
            }
        }
        String here = machine();
        if (!machines.contains(new JsonPrimitive(here))) {
            machines.add(here);
        }
        long t0 = System.nanoTime();
        int steps = (train.size() + cfg.batchSize() - 1) / cfg.batchSize();
        for (int epoch = start; epoch < cfg.epochs(); epoch++) {
            // Re-seeding per epoch makes a resumed run draw the same randomness as an uninterrupted one.
            Engine.getInstance().setRandomSeed((int) (cfg.seed() * 7919 + epoch));
            long e0 = System.nanoTime();
            double lossSum = 0;
            long correct = 0;
            int seen = 0;
            BatchIterator it = BatchIterator.of(train, cfg.batchSize(), true, cfg.augment(), cfg.seed(), epoch);
            double lr = 0;
            for (int step = 0; it.hasNext(); step++) {
                Batch b = it.next();
                lr = schedule.lr(epoch, (epoch + (double) step / steps) / cfg.epochs());
                try (NDScope scope = new NDScope(); NDManager m = net.manager().newSubManager()) {
                    NDArray x = m.create(b.images(), new Shape(b.count(), b.channels(), b.height(), b.width()));
                    NDArray y = m.create(b.labels()).toType(ai.djl.ndarray.types.DataType.INT64, false);
                    NDArray logits;
                    NDArray loss;
                    for (TrainingHook h : hooks) {
                        h.beforeForward(net);
                    }
                    Network.recording(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        logits = net.forward(x, true);
                        loss = Evaluator.lossVector(logits, y).mean();
                        gc.backward(loss);
                    } finally {
                        Network.recording(false);
                        Network.noGrad();
                    }
                    for (TrainingHook h : hooks) {
                        h.afterBackward(net);
                    }
                    sgd.step(lr);
                    net.applyMasks();
                    for (TrainingHook h : hooks) {
                        h.afterStep(net, lr);
                    }
                    float l = loss.getFloat();
                    if (!Float.isFinite(l)) {
                        throw new TrainingException("loss became " + l + " at epoch " + (epoch + 1) + ", step " + (step + 1)
                                + " (learning rate " + lr + " too high?)");
                    }
                    lossSum += (double) l * b.count();
                    correct += Evaluator.correct(logits, y);
                }
                seen += b.count();
                if (step % 20 == 19 || !it.hasNext()) {
                    double secs = (System.nanoTime() - e0) / 1e9;
                    listener.onStep(epoch, cfg.epochs(), step + 1, steps, lossSum / seen, (double) correct / seen,
                            seen / secs);
                }
            }
            for (TrainingHook h : hooks) {
                h.afterEpoch(net, epoch);
            }
            double secs = (System.nanoTime() - e0) / 1e9;
            Evaluator.Result ev = cfg.evaluateEachEpoch() && test != null
                    ? Evaluator.evaluate(net, test, 256) : new Evaluator.Result(Double.NaN, Double.NaN, 0);
            EpochStats stats = new EpochStats(epoch, cfg.epochs(), lr, lossSum / Math.max(seen, 1),
                    (double) correct / Math.max(seen, 1), ev.loss(), ev.accuracy(), secs, seen / secs);
            history.add(stats);
            if (cfg.checkpointDir() != null) {
                JsonObject training = new JsonObject();
                training.addProperty("epoch", epoch);
                training.addProperty("epochs", cfg.epochs());
                training.add("config", GSON.toJsonTree(cfg.withCheckpoints(null, false)));
                JsonArray h = new JsonArray();
                history.forEach(st -> h.add(toJson(st)));
                training.add("history", h);
                training.add("machines", machines);
                ModelCheckpoint.save(cfg.checkpointDir(), net, checkpointInfo, training, exportState(sgd));
            }
            listener.onEpoch(stats);
        }
        return new Result(history, resumedAfter, (System.nanoTime() - t0) / 1e9);
    }

    /** This process's CPU, libtorch and kernel configuration, as one line (the numerics check's words). */
    public static String machine() {
        Numerics.Decision d = Numerics.decision();
        return d.machine() + "; " + d.configOrThrow().describe();
    }

    /** Hook states travel with the optimiser's, each tensor named {@code hooks.<index>.<name>}. */
    private static final String HOOK_STATE = "hooks.";

    private List<dev.sculptor.engine.checkpoint.Tensor> exportState(Sgd sgd) {
        List<dev.sculptor.engine.checkpoint.Tensor> out = new ArrayList<>(sgd.exportState());
        for (int i = 0; i < hooks.size(); i++) {
            for (var t : hooks.get(i).exportState()) {
                out.add(new dev.sculptor.engine.checkpoint.Tensor(HOOK_STATE + i + "." + t.name(), t.shape(), t.data()));
            }
        }
        return out;
    }

    private void importState(Sgd sgd, List<dev.sculptor.engine.checkpoint.Tensor> state) {
        List<dev.sculptor.engine.checkpoint.Tensor> optimizer = new ArrayList<>();
        List<List<dev.sculptor.engine.checkpoint.Tensor>> perHook = new ArrayList<>();
        hooks.forEach(h -> perHook.add(new ArrayList<>()));
        for (var t : state) {
            if (!t.name().startsWith(HOOK_STATE)) {
                optimizer.add(t);
                continue;
            }
            String rest = t.name().substring(HOOK_STATE.length());
            int dot = rest.indexOf('.');
            int i = dot > 0 ? Integer.parseInt(rest.substring(0, dot)) : -1;
            if (i < 0 || i >= hooks.size()) {
                throw new TrainingException(cfg.checkpointDir() + ": checkpoint holds state " + t.name()
                        + " for a training hook this run does not have (" + hooks.size() + " hooks)");
            }
            perHook.get(i).add(new dev.sculptor.engine.checkpoint.Tensor(rest.substring(dot + 1), t.shape(), t.data()));
        }
        sgd.importState(optimizer);
        for (int i = 0; i < hooks.size(); i++) {
            hooks.get(i).importState(perHook.get(i));
        }
    }

    // JSON has no NaN: metrics of unevaluated epochs are left out and read back as NaN.
    private static JsonObject toJson(EpochStats s) {
        JsonObject o = new JsonObject();
        o.addProperty("epoch", s.epoch());
        o.addProperty("epochs", s.epochs());
        putFinite(o, "lr", s.lr());
        putFinite(o, "trainLoss", s.trainLoss());
        putFinite(o, "trainAccuracy", s.trainAccuracy());
        putFinite(o, "testLoss", s.testLoss());
        putFinite(o, "testAccuracy", s.testAccuracy());
        putFinite(o, "seconds", s.seconds());
        putFinite(o, "imagesPerSecond", s.imagesPerSecond());
        return o;
    }

    private static void putFinite(JsonObject o, String k, double v) {
        if (Double.isFinite(v)) {
            o.addProperty(k, v);
        }
    }

    private static EpochStats fromJson(JsonObject o) {
        return new EpochStats(o.get("epoch").getAsInt(), o.get("epochs").getAsInt(), num(o, "lr"), num(o, "trainLoss"),
                num(o, "trainAccuracy"), num(o, "testLoss"), num(o, "testAccuracy"), num(o, "seconds"),
                num(o, "imagesPerSecond"));
    }

    private static double num(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsDouble() : Double.NaN;
    }
}
