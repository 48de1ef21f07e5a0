package dev.sculptor.engine.prune;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What a method decided about one trained network, before anything is cut: the importance scores and the decision
 * (kept channels per space, removed blocks, or the weight-masking threshold). {@link PruningMethod#plan} makes it,
 * {@link #apply} carries it out on the same network (or the same checkpoint loaded again), and
 * {@link PruningMethod#prune} is exactly the two in a row. A plan is written to and read from JSON, so one service
 * can plan and another apply.
 *
 * <p>ThiNet and channel regression decide layer by layer on the partly pruned network and refit the next layer's
 * weights as they go, so planning them runs the whole pruning; their plans carry the refitted weights
 * ({@link #refits()}), which makes applying them exact and free of training data.
 *
 * <p>Arrays are not copied (plans of large networks hold megabytes of scores): treat them as read-only.
 *
 * @param method the method's {@link MethodDef#id()}
 * @param arch the name of the architecture planned on; {@link #apply} refuses another
 * @param pruned the name of the pruned architecture
 * @param settings the method's settings as recorded in lineage (with what planning adds, e.g. sss's removed blocks)
 * @param scores channel importance per space, higher is more important (channel methods scored ahead of pruning)
 * @param kept kept channel positions per pruned space, increasing (channel methods); spaces not named keep all
 * @param refits tensor name to the final weights of a refitted layer (ThiNet and channel regression with refit)
 * @param blocks every residual block that carries a scale (sparse structure selection)
 * @param masks the weight-level decision, null for the other methods
 * @param seconds time spent planning
 */
public record PrunePlan(String method, String arch, String pruned, JsonObject settings, Map<String, float[]> scores,
        Map<String, int[]> kept, Map<String, Tensor> refits, List<Block> blocks, Masks masks, double seconds) {

    /** A residual block with a scale; {@code scale} is the trained value, signed. */
    public record Block(String block, float scale, boolean removed) {}

    /**
     * Weight-level pruning's decision: every weight of the named tensors whose magnitude (after any earlier mask) is
     * at or below {@code threshold} is masked; {@code -1} when the percent is zero and nothing is.
     */
    public record Masks(float threshold, List<MaskedTensor> tensors) {
        public Masks {
            tensors = List.copyOf(tensors);
        }

        /** The largest magnitude that is masked: the threshold when anything is, else 0. */
        public float largestMasked() {
            return tensors.stream().anyMatch(t -> t.pruned() > 0) ? threshold : 0f;
        }
    }

    /**
     * One masked tensor and its magnitudes.
     *
     * @param nonzero its non-zero weights before this pruning (mask-aware)
     * @param pruned weights this pruning masks, earlier masked ones included
     */
    public record MaskedTensor(String tensor, long count, long nonzero, long pruned, float meanAbs, float maxAbs) {}

    /** The file a stored plan goes in, beside the scores it was made with. */
    public static final String FILE = "plan.json";

    public PrunePlan {
        settings = settings.deepCopy();
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
        refits = Collections.unmodifiableMap(new LinkedHashMap<>(refits));
        blocks = List.copyOf(blocks);
    }

    /** A copy: callers add to the settings they record (e.g. the job's name). */
    @Override
    public JsonObject settings() {
        return settings.deepCopy();
    }

    /** The same decision under another name for the pruned architecture (a service keeps the names it registered). */
    public PrunePlan withPruned(String name) {
        return new PrunePlan(method, arch, name, settings, scores, kept, refits, blocks, masks, seconds);
    }

    public MethodDef def() {
        return MethodDef.byName(method);
    }

    /** The kept positions of a space: the plan's, or all {@code size} when the space is not pruned. */
    public int[] keptOrAll(String space, int size) {
        int[] k = kept.get(space);
        return k != null ? k : java.util.stream.IntStream.range(0, size).toArray();
    }

    /**
     * The pruned network: {@code trained} narrowed to the kept channels (refitted layers replaced), without the
     * removed blocks, or masked; {@code trained} is left unchanged.
     *
     * @throws ArchException when {@code trained} is not the architecture the plan was made for
     */
    public Network apply(Network trained) {
        if (!trained.spec().name().equals(arch)) {
            throw new ArchException("the " + method + " plan was made for " + arch + ", not for " + trained.spec().name());
        }
        return switch (def().granularity()) {
            case CHANNELS -> {
                Network net = StructuredPruner.shrink(trained, kept, pruned);
                try {
                    refits.values().forEach(t -> net.array(t.name()).set(t.data()));
                } catch (RuntimeException e) {
                    net.close();
                    throw e;
                }
                yield net;
            }
            case BLOCKS -> SparseStructureSelection.removeBlocks(trained, this);
            case WEIGHTS -> WeightLevelPruning.mask(trained, this);
        };
    }

    // ---- JSON ----

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("method", method);
        o.addProperty("arch", arch);
        o.addProperty("pruned", pruned);
        o.add("settings", settings.deepCopy());
        JsonObject s = new JsonObject();
        scores.forEach((space, v) -> s.add(space, array(v.length, i -> new JsonPrimitive(v[i]))));
        o.add("scores", s);
        JsonObject k = new JsonObject();
        kept.forEach((space, v) -> k.add(space, array(v.length, i -> new JsonPrimitive(v[i]))));
        o.add("kept", k);
        JsonArray r = new JsonArray();
        for (Tensor t : refits.values()) {
            JsonObject to = new JsonObject();
            to.addProperty("name", t.name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            to.add("shape", shape);
            // little-endian float32, base64: exact and a quarter of the size of decimal text
            ByteBuffer buf = ByteBuffer.allocate(t.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(t.data());
            to.addProperty("data", Base64.getEncoder().encodeToString(buf.array()));
            r.add(to);
        }
        o.add("refits", r);
        JsonArray b = new JsonArray();
        for (Block x : blocks) {
            JsonObject bo = new JsonObject();
            bo.addProperty("block", x.block());
            bo.addProperty("scale", x.scale());
            bo.addProperty("removed", x.removed());
            b.add(bo);
        }
        o.add("blocks", b);
        if (masks != null) {
            JsonObject m = new JsonObject();
            m.addProperty("threshold", masks.threshold());
            JsonArray ts = new JsonArray();
            for (MaskedTensor t : masks.tensors()) {
                JsonObject to = new JsonObject();
                to.addProperty("tensor", t.tensor());
                to.addProperty("count", t.count());
                to.addProperty("nonzero", t.nonzero());
                to.addProperty("pruned", t.pruned());
                to.addProperty("meanAbs", t.meanAbs());
                to.addProperty("maxAbs", t.maxAbs());
                ts.add(to);
            }
            m.add("tensors", ts);
            o.add("masks", m);
        }
        o.addProperty("seconds", seconds);
        return new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(o);
    }

    private static JsonArray array(int n, IntFunction<JsonElement> element) {
        JsonArray a = new JsonArray(n);
        for (int i = 0; i < n; i++) {
            a.add(element.apply(i));
        }
        return a;
    }

    /**
     * A plan written by {@link #toJson()}.
     *
     * @throws ArchException when the text is not such a plan
     */
    public static PrunePlan fromJson(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            MethodDef def = MethodDef.byName(o.get("method").getAsString());
            Map<String, float[]> scores = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("scores").entrySet()) {
                JsonArray a = e.getValue().getAsJsonArray();
                float[] v = new float[a.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = a.get(i).getAsFloat();
                }
                scores.put(e.getKey(), v);
            }
            Map<String, int[]> kept = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("kept").entrySet()) {
                kept.put(e.getKey(), e.getValue().getAsJsonArray().asList().stream().mapToInt(JsonElement::getAsInt).toArray());
            }
            Map<String, Tensor> refits = new LinkedHashMap<>();
            for (JsonElement e : o.getAsJsonArray("refits")) {
                JsonObject t = e.getAsJsonObject();
                long[] shape = t.getAsJsonArray("shape").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
                ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(t.get("data").getAsString())).order(ByteOrder.LITTLE_ENDIAN);
                float[] data = new float[buf.remaining() / 4];
                buf.asFloatBuffer().get(data);
                String name = t.get("name").getAsString();
                refits.put(name, new Tensor(name, shape, data));
            }
            List<Block> blocks = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("blocks")) {
                JsonObject b = e.getAsJsonObject();
                blocks.add(new Block(b.get("block").getAsString(), b.get("scale").getAsFloat(), b.get("removed").getAsBoolean()));
            }
            Masks masks = null;
            if (o.has("masks")) {
                JsonObject m = o.getAsJsonObject("masks");
                List<MaskedTensor> tensors = new ArrayList<>();
                for (JsonElement e : m.getAsJsonArray("tensors")) {
                    JsonObject t = e.getAsJsonObject();
                    tensors.add(new MaskedTensor(t.get("tensor").getAsString(), t.get("count").getAsLong(),
                            t.get("nonzero").getAsLong(), t.get("pruned").getAsLong(), t.get("meanAbs").getAsFloat(),
                            t.get("maxAbs").getAsFloat()));
                }
                masks = new Masks(m.get("threshold").getAsFloat(), tensors);
            }
            return new PrunePlan(def.id(), o.get("arch").getAsString(),
                    o.get("pruned").getAsString(), o.getAsJsonObject("settings"), scores, kept, refits, blocks, masks,
                    o.get("seconds").getAsDouble());
        } catch (ArchException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ArchException("not a pruning plan: " + e);
        }
    }
}
