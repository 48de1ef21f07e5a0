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
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.Batch;
import dev.sculptor.engine.data.BatchIterator;
import dev.sculptor.engine.data.ImageDataset;
import dev.sculptor.engine.metrics.Evaluator;
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
        if (cfg.checkpointDir() != null && cfg.resume() && Files.exists(cfg.checkpointDir().resolve("manifest.json"))) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.loadInto(cfg.checkpointDir(), net);
            JsonObject training = loaded.manifest().training();
            if (training == null || !training.has("epoch") || loaded.optimizer() == null) {
                throw new TrainingException(cfg.checkpointDir() + ": not a training checkpoint (no epoch or optimizer state)");
            }
            sgd.importState(loaded.optimizer());
            for (var e : training.getAsJsonArray("history")) {
                history.add(fromJson(e.getAsJsonObject()));
            }
            resumedAfter = training.get("epoch").getAsInt();
            start = resumedAfter + 1;
        }
        if (start == 0) {
            for (TrainingHook h : hooks) {
                h.beforeTraining(net);
            }
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
                ModelCheckpoint.save(cfg.checkpointDir(), net, checkpointInfo, training, sgd.exportState());
            }
            listener.onEpoch(stats);
        }
        return new Result(history, resumedAfter, (System.nanoTime() - t0) / 1e9);
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
