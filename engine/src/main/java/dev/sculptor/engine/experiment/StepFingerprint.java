package dev.sculptor.engine.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Sha256;
import dev.sculptor.engine.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that determines one trained step of an experiment (the architecture it starts from, the method and its
 * settings, the training configuration, the data, the step it derives from), kept beside the step's directory as
 * {@code <dir>.fingerprint.json} (outside it: a checkpoint save replaces the directory, every epoch). A rerun into
 * the same directory reuses or resumes the step only when the fingerprint is the same:
 * a run with another ratio, lr, arch or subset must not silently mix its rows with old checkpoints.
 */
public final class StepFingerprint {
    public static final String SUFFIX = ".fingerprint.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final JsonObject fields;

    private StepFingerprint(JsonObject fields) {
        this.fields = fields;
    }

    /**
     * @param step what the step is ({@code baseline}, {@code fine-tune}, ...)
     * @param arch the architecture the step trains
     * @param method the pruning method and its settings, null for the baseline
     * @param tc the training configuration (its checkpoint directory and resume flag are where, not what: left out)
     * @param data the dataset, its subsets and an explicit directory
     * @param parent the fingerprint of the step this one starts from (the baseline for a pruned model's retraining), or null
     */
    public static StepFingerprint of(String step, ArchSpec arch, JsonObject method, TrainConfig tc, DataSpec data,
            StepFingerprint parent) {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.add("arch", arch.toJsonTree());
        if (method != null) {
            o.add("method", method);
        }
        JsonObject t = new JsonObject();
        t.addProperty("epochs", tc.epochs());
        t.addProperty("batchSize", tc.batchSize());
        t.addProperty("lr", tc.lr());
        t.addProperty("momentum", tc.momentum());
        t.addProperty("weightDecay", tc.weightDecay());
        t.addProperty("schedule", tc.schedule());
        t.addProperty("seed", tc.seed());
        t.addProperty("augment", tc.augment());
        o.add("training", t);
        JsonObject d = new JsonObject();
        d.addProperty("name", data.name());
        d.addProperty("trainSubset", data.trainSubset());
        d.addProperty("testSubset", data.testSubset());
        if (data.dir() != null) {
            // files of the same name elsewhere are other data; the installed default needs no entry (and so fingerprints
            // written before this entry existed still match)
            d.addProperty("dir", data.dir().toAbsolutePath().normalize().toString());
        }
        o.add("data", d);
        if (parent != null) {
            o.addProperty("parent", parent.digest());
        }
        return new StepFingerprint(o);
    }

    /**
     * This fingerprint plus what the pruning chose ({@link dev.sculptor.engine.prune.PruneResult#decision()}): a
     * retrained step depends on the kept channels and masks, which the method's settings alone do not fix.
     */
    public StepFingerprint withDecision(String decision) {
        JsonObject o = fields.deepCopy();
        o.addProperty("decision", decision);
        return new StepFingerprint(o);
    }

    /** SHA-256 of the canonical JSON (keys sorted at every level). */
    public String digest() {
        return Sha256.of(canonical(fields).toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * May the step in {@code dir} be reused or resumed? True when it holds this fingerprint; false when it holds no
     * step at all (train it). A step trained with anything else, or by a version that kept no fingerprint, is refused
     * naming what differs: the caller picks another directory or deletes that one.
     */
    public boolean matches(Path dir) {
        Path file = fileOf(dir);
        if (!Files.exists(file)) {
            if (Files.exists(dir.resolve(CheckpointDir.MANIFEST)) || hasEpochs(dir)) {
                throw new IllegalStateException(dir + " holds a run without " + file.getFileName() + " (from an older version): it may have been"
                        + " trained with other settings; delete it or choose another output directory");
            }
            return false;
        }
        JsonObject stored;
        try {
            stored = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is not a fingerprint: " + e.getMessage(), e);
        }
        List<String> diff = new ArrayList<>();
        differences("", canonical(stored), canonical(fields), diff);
        if (!diff.isEmpty()) {
            throw new IllegalStateException(dir + " was trained with other settings (" + String.join("; ", diff.subList(0,
                    Math.min(6, diff.size()))) + (diff.size() > 6 ? "; and " + (diff.size() - 6) + " more" : "")
                    + "): reusing it would mix old and new runs in one table; delete it or choose another output directory");
        }
        return true;
    }

    /** Records the fingerprint before the step trains, so an interrupted step resumes only under the same settings. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            Files.writeString(fileOf(dir), GSON.toJson(fields) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + fileOf(dir) + ": " + e.getMessage(), e);
        }
    }

    /** Where the fingerprint of the step in {@code dir} is kept: beside it. */
    public static Path fileOf(Path dir) {
        return dir.resolveSibling(dir.getFileName() + SUFFIX);
    }

    private static boolean hasEpochs(Path dir) {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("epoch-"));
        } catch (IOException e) {
            return false;
        }
    }

    private static void differences(String path, JsonElement was, JsonElement now, List<String> out) {
        if (was != null && now != null && was.isJsonObject() && now.isJsonObject()) {
            Map<String, JsonElement> a = was.getAsJsonObject().asMap();
            Map<String, JsonElement> b = now.getAsJsonObject().asMap();
            TreeMap<String, Boolean> keys = new TreeMap<>();
            a.keySet().forEach(k -> keys.put(k, true));
            b.keySet().forEach(k -> keys.put(k, true));
            for (String k : keys.keySet()) {
                differences(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k), out);
            }
            return;
        }
        if (was == null ? now != null : !was.equals(now)) {
            out.add(path + " " + shown(was) + " -> " + shown(now));
        }
    }

    private static String shown(JsonElement e) {
        if (e == null) {
            return "(none)";
        }
        String s = e.toString();
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private static JsonElement canonical(JsonElement e) {
        if (e.isJsonObject()) {
            JsonObject sorted = new JsonObject();
            new TreeMap<>(e.getAsJsonObject().asMap()).forEach((k, v) -> sorted.add(k, canonical(v)));
            return sorted;
        }
        if (e.isJsonArray()) {
            var a = new com.google.gson.JsonArray();
            e.getAsJsonArray().forEach(x -> a.add(canonical(x)));
            return a;
        }
        return e;
    }
}
