package dev.sculptor.engine.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code manifest.json} of a checkpoint: what the model is, how it was obtained, and which parts
 * (with size and SHA-256) make it up.
 *
 * <p>Immutable. The JSON objects {@code arch}, {@code training} and {@code lineage.settings} belong to
 * other layers and are kept opaque; they are copied in and out because Gson's {@link JsonObject} is
 * mutable. Field order in the JSON is fixed (format, createdAt, arch, metrics, lineage, training, parts)
 * and nullable fields are written as {@code null}, so manifests diff well and are self-describing.
 *
 * <p>Reading ({@link #fromJson}) is strict: malformed JSON, a missing required field ({@code format},
 * {@code createdAt}, {@code arch}, {@code metrics}, {@code parts}) or a field of the wrong type is a
 * {@link CheckpointException} naming the source and the field, since a half-understood manifest could
 * load the wrong model. Unknown fields are ignored so that newer writers stay readable.
 */
public final class Manifest {
    /** The only manifest format this build reads and writes. */
    public static final int FORMAT = 1;

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();
    private static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /**
     * Where a checkpoint came from, e.g. {@code ("runs/vgg16/base", "l1-filter", {"ratio": 0.5})}; any part
     * may be null (a model trained from scratch has no parent).
     */
    public record Lineage(String parent, String method, JsonObject settings) {
        public Lineage {
            settings = settings == null ? null : settings.deepCopy();
        }

        /** A copy; the manifest stays immutable. */
        @Override
        public JsonObject settings() {
            return settings == null ? null : settings.deepCopy();
        }
    }

    /** Size and lowercase-hex SHA-256 of one part file, as recorded when the checkpoint was written. */
    public record PartInfo(String sha256, long bytes) {
        public PartInfo {
            Objects.requireNonNull(sha256, "sha256");
            if (!SHA256_HEX.matcher(sha256).matches()) {
                throw new IllegalArgumentException("not a lowercase hex SHA-256: '" + sha256 + "'");
            }
            if (bytes < 0) {
                throw new IllegalArgumentException("negative part size " + bytes);
            }
        }
    }

    private final int format;
    private final String createdAt;
    private final JsonObject arch;
    private final Map<String, Double> metrics;
    private final Lineage lineage;
    private final JsonObject training;
    private final Map<String, PartInfo> parts;
    private final Map<String, int[]> kept;

    private Manifest(Builder b) {
        this.format = FORMAT;
        this.createdAt = b.createdAt;
        this.arch = b.arch.deepCopy();
        this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.metrics));
        this.lineage = b.lineage;
        this.training = b.training == null ? null : b.training.deepCopy();
        this.parts = Collections.unmodifiableMap(new LinkedHashMap<>(b.parts));
        this.kept = b.kept == null ? null : copyKept(b.kept);
    }

    private static Map<String, int[]> copyKept(Map<String, int[]> kept) {
        Map<String, int[]> c = new LinkedHashMap<>();
        kept.forEach((k, v) -> c.put(Objects.requireNonNull(k, "kept space"), Objects.requireNonNull(v, "kept " + k).clone()));
        return Collections.unmodifiableMap(c);
    }

    /** A builder with {@code createdAt} preset to now (UTC, millisecond precision). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this manifest's values, to derive a modified copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.createdAt = createdAt;
        b.arch = arch;
        b.metrics.putAll(metrics);
        b.lineage = lineage;
        b.training = training;
        b.parts.putAll(parts);
        b.kept = kept;
        return b;
    }

    /** This manifest with {@code parts} (in their iteration order) instead of its own. */
    public Manifest withParts(Map<String, PartInfo> parts) {
        return toBuilder().clearParts().parts(parts).build();
    }

    public int format() {
        return format;
    }

    /** ISO-8601 timestamp with offset, e.g. {@code 2025-03-01T12:00:00.123Z}. */
    public String createdAt() {
        return createdAt;
    }

    /** A copy of the architecture description (opaque to this package). */
    public JsonObject arch() {
        return arch.deepCopy();
    }

    /** Unmodifiable, in insertion order; may be empty. */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /** May be null. */
    public Lineage lineage() {
        return lineage;
    }

    /** A copy of the training state (epoch, seed, …), or null. */
    public JsonObject training() {
        return training == null ? null : training.deepCopy();
    }

    /** Unmodifiable, in manifest order: part file name (relative to the checkpoint directory) to info. */
    public Map<String, PartInfo> parts() {
        return parts;
    }

    /**
     * The keep map of a structured pruning (kept channel positions of the parent, per shrunk channel space), recorded
     * by the pruning that wrote this checkpoint so that lottery-ticket rewinding can cut the initial network the same
     * way even when the weights cannot show it (refitted layers); copies. Empty for a pruning that shrank nothing (weight
     * level); null when none was recorded (not a pruned model, or written before this field existed).
     */
    public Map<String, int[]> kept() {
        if (kept == null) {
            return null;
        }
        Map<String, int[]> c = new LinkedHashMap<>();
        kept.forEach((k, v) -> c.put(k, v.clone()));
        return c;
    }

    /** Pretty-printed JSON (no trailing newline). */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", format);
        o.addProperty("createdAt", createdAt);
        o.add("arch", arch.deepCopy());
        JsonObject m = new JsonObject();
        metrics.forEach(m::addProperty);
        o.add("metrics", m);
        if (lineage == null) {
            o.add("lineage", JsonNull.INSTANCE);
        } else {
            JsonObject l = new JsonObject();
            l.addProperty("parent", lineage.parent());
            l.addProperty("method", lineage.method());
            l.add("settings", lineage.settings == null ? JsonNull.INSTANCE : lineage.settings.deepCopy());
            o.add("lineage", l);
        }
        o.add("training", training == null ? JsonNull.INSTANCE : training.deepCopy());
        if (kept != null) {
            // written only when recorded, so manifests without a keep map read as before
            JsonObject k = new JsonObject();
            kept.forEach((space, idx) -> {
                com.google.gson.JsonArray a = new com.google.gson.JsonArray();
                for (int i : idx) {
                    a.add(i);
                }
                k.add(space, a);
            });
            o.add("kept", k);
        }
        JsonObject p = new JsonObject();
        parts.forEach((name, info) -> {
            JsonObject i = new JsonObject();
            i.addProperty("sha256", info.sha256());
            i.addProperty("bytes", info.bytes());
            p.add(name, i);
        });
        o.add("parts", p);
        return GSON.toJson(o);
    }

    /**
     * Parses and validates a manifest.
     *
     * @param source what to name in error messages, usually the path of {@code manifest.json}
     * @throws CheckpointException "source: …" naming the offending field
     */
    public static Manifest fromJson(String json, String source) {
        Objects.requireNonNull(json, "json");
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (!root.isJsonNull() && reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException(source + ": invalid JSON: content after the manifest object");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            // Gson wraps the useful MalformedJsonException and appends a troubleshooting link: keep the gist.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String msg = String.valueOf(cause.getMessage());
            int see = msg.indexOf("\nSee ");
            throw new CheckpointException(
                    source + ": invalid JSON: " + (see >= 0 ? msg.substring(0, see) : msg), e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointException(source + ": not a manifest (expected a JSON object)");
        }
        return new Parser(source).parse(root.getAsJsonObject());
    }

    /** Field-by-field validation with error messages of the form "source: field 'x' …". */
    private static final class Parser {
        private final String source;

        Parser(String source) {
            this.source = source;
        }

        Manifest parse(JsonObject o) {
            int format = integer(o, "format", "format");
            if (format != FORMAT) {
                throw fail("format", "is " + format + ", but this build reads format " + FORMAT
                        + " only");
            }
            Builder b = new Builder();
            String createdAt = string(required(o, "createdAt", "createdAt"), "createdAt");
            if (!isTimestamp(createdAt)) {
                throw fail("createdAt", "is not an ISO-8601 timestamp with offset: \"" + createdAt + "\"");
            }
            b.createdAt(createdAt);
            b.arch(object(required(o, "arch", "arch"), "arch"));

            JsonObject metrics = object(required(o, "metrics", "metrics"), "metrics");
            for (Map.Entry<String, JsonElement> e : metrics.entrySet()) {
                String field = "metrics." + e.getKey();
                double v = number(e.getValue(), field).doubleValue();
                if (!Double.isFinite(v)) {
                    throw fail(field, "must be a finite number");
                }
                b.metric(e.getKey(), v);
            }

            JsonElement lineage = o.get("lineage");
            if (lineage != null && !lineage.isJsonNull()) {
                JsonObject l = object(lineage, "lineage");
                b.lineage(new Lineage(
                        optionalString(l.get("parent"), "lineage.parent"),
                        optionalString(l.get("method"), "lineage.method"),
                        optionalObject(l.get("settings"), "lineage.settings")));
            }
            b.training(optionalObject(o.get("training"), "training"));
            JsonObject kept = optionalObject(o.get("kept"), "kept");
            if (kept != null) {
                Map<String, int[]> k = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> e : kept.entrySet()) {
                    String field = "kept." + e.getKey();
                    if (!e.getValue().isJsonArray()) {
                        throw fail(field, "must be an array of channel positions");
                    }
                    com.google.gson.JsonArray a = e.getValue().getAsJsonArray();
                    int[] idx = new int[a.size()];
                    for (int i = 0; i < idx.length; i++) {
                        BigDecimal v = number(a.get(i), field + "[" + i + "]");
                        try {
                            idx[i] = v.intValueExact();
                        } catch (ArithmeticException ex) {
                            throw fail(field + "[" + i + "]", "must be an integer, got " + v);
                        }
                        // a keep map lists distinct positions in increasing order; anything else is not one
                        if (idx[i] < 0 || (i > 0 && idx[i] <= idx[i - 1])) {
                            throw fail(field, "must list channel positions >= 0 in increasing order, got " + a);
                        }
                    }
                    k.put(e.getKey(), idx);
                }
                b.kept(k);
            }

            JsonObject parts = object(required(o, "parts", "parts"), "parts");
            for (Map.Entry<String, JsonElement> e : parts.entrySet()) {
                String name = e.getKey();
                String field = "parts." + name;
                if (!isValidPartName(name)) {
                    throw fail(field, "is not a plain file name inside the checkpoint directory");
                }
                JsonObject p = object(e.getValue(), field);
                String sha = string(required(p, "sha256", field + ".sha256"), field + ".sha256");
                if (!SHA256_HEX.matcher(sha).matches()) {
                    throw fail(field + ".sha256", "is not a lowercase hex SHA-256: \"" + sha + "\"");
                }
                BigDecimal bytes = number(required(p, "bytes", field + ".bytes"), field + ".bytes");
                long n;
                try {
                    n = bytes.longValueExact();
                } catch (ArithmeticException ex) {
                    throw fail(field + ".bytes", "must be an integer, got " + bytes);
                }
                if (n < 0) {
                    throw fail(field + ".bytes", "must not be negative, got " + n);
                }
                b.part(name, new PartInfo(sha, n));
            }
            return b.build();
        }

        private JsonElement required(JsonObject o, String key, String field) {
            JsonElement e = o.get(key);
            if (e == null) {
                throw new CheckpointException(source + ": missing field '" + field + "'");
            }
            if (e.isJsonNull()) {
                throw fail(field, "must not be null");
            }
            return e;
        }

        private int integer(JsonObject o, String key, String field) {
            BigDecimal v = number(required(o, key, field), field);
            try {
                return v.intValueExact();
            } catch (ArithmeticException e) {
                throw fail(field, "must be an integer, got " + v);
            }
        }

        private BigDecimal number(JsonElement e, String field) {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                try {
                    return e.getAsBigDecimal();
                } catch (NumberFormatException ex) {
                    // Fall through to the type error.
                }
            }
            throw fail(field, "must be a number, got " + abbreviate(e));
        }

        private String string(JsonElement e, String field) {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
            throw fail(field, "must be a string, got " + abbreviate(e));
        }

        private JsonObject object(JsonElement e, String field) {
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
            throw fail(field, "must be a JSON object, got " + abbreviate(e));
        }

        private String optionalString(JsonElement e, String field) {
            return e == null || e.isJsonNull() ? null : string(e, field);
        }

        private JsonObject optionalObject(JsonElement e, String field) {
            return e == null || e.isJsonNull() ? null : object(e, field);
        }

        private CheckpointException fail(String field, String problem) {
            return new CheckpointException(source + ": field '" + field + "' " + problem);
        }

        private static String abbreviate(JsonElement e) {
            String s = e.isJsonPrimitive() ? e.toString() : e.isJsonObject() ? "an object"
                    : e.isJsonArray() ? "an array" : "null";
            return s.length() > 60 ? s.substring(0, 60) + "…" : s;
        }
    }

    /**
     * Whether {@code name} may name a part: a plain file name (letters, digits, {@code . _ -}), not
     * starting with a dot, so that a manifest can never point outside its directory or at temporary
     * files, and not {@code manifest.json} itself.
     */
    public static boolean isValidPartName(String name) {
        return name != null && PART_NAME.matcher(name).matches() && !name.equals(CheckpointDir.MANIFEST);
    }

    private static boolean isTimestamp(String s) {
        try {
            DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest m
                && format == m.format
                && createdAt.equals(m.createdAt)
                && arch.equals(m.arch)
                && metrics.equals(m.metrics)
                && Objects.equals(lineage, m.lineage)
                && Objects.equals(training, m.training)
                && parts.equals(m.parts)
                && keptEquals(kept, m.kept);
    }

    private static boolean keptEquals(Map<String, int[]> a, Map<String, int[]> b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.size() == b.size() && a.entrySet().stream().allMatch(e -> b.containsKey(e.getKey())
                && java.util.Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, createdAt, arch, metrics, lineage, training, parts);
    }

    @Override
    public String toString() {
        return toJson();
    }

    /** Mutable; {@link #build()} validates. Setters taking JSON objects copy them. */
    public static final class Builder {
        private String createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        private JsonObject arch;
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private Lineage lineage;
        private JsonObject training;
        private final Map<String, PartInfo> parts = new LinkedHashMap<>();
        private Map<String, int[]> kept;

        private Builder() {}

        /** The keep map of the pruning that made this model ({@link Manifest#kept()}); null: none recorded. */
        public Builder kept(Map<String, int[]> kept) {
            this.kept = kept == null ? null : copyKept(kept);
            return this;
        }

        /** ISO-8601 with offset, e.g. {@code 2025-03-01T12:00:00Z}. */
        public Builder createdAt(String createdAt) {
            Objects.requireNonNull(createdAt, "createdAt");
            if (!isTimestamp(createdAt)) {
                throw new IllegalArgumentException(
                        "createdAt is not an ISO-8601 timestamp with offset: \"" + createdAt + "\"");
            }
            this.createdAt = createdAt;
            return this;
        }

        public Builder createdAt(Instant createdAt) {
            return createdAt(createdAt.toString());
        }

        /** Required. */
        public Builder arch(JsonObject arch) {
            this.arch = Objects.requireNonNull(arch, "arch").deepCopy();
            return this;
        }

        /**
         * Adds or replaces one metric. JSON has no NaN or infinity, so a diverged run's loss must be
         * recorded some other way (e.g. left out) rather than written as an unreadable manifest.
         */
        public Builder metric(String name, double value) {
            Objects.requireNonNull(name, "metric name");
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("metric '" + name + "' is " + value
                        + ": JSON cannot represent it");
            }
            metrics.put(name, value);
            return this;
        }

        /** Replaces all metrics (in the map's iteration order). */
        public Builder metrics(Map<String, Double> metrics) {
            this.metrics.clear();
            metrics.forEach((k, v) -> metric(k, Objects.requireNonNull(v, "metric '" + k + "'")));
            return this;
        }

        public Builder lineage(Lineage lineage) {
            this.lineage = lineage;
            return this;
        }

        public Builder training(JsonObject training) {
            this.training = training == null ? null : training.deepCopy();
            return this;
        }

        /** Adds or replaces one part; normally left to {@link CheckpointDir#write}. */
        public Builder part(String name, PartInfo info) {
            if (!isValidPartName(name)) {
                throw new IllegalArgumentException("invalid part name '" + name
                        + "': must be a plain file name inside the checkpoint directory");
            }
            parts.put(name, Objects.requireNonNull(info, "part info"));
            return this;
        }

        /** Adds parts in the map's iteration order. */
        public Builder parts(Map<String, PartInfo> parts) {
            parts.forEach(this::part);
            return this;
        }

        public Builder clearParts() {
            parts.clear();
            return this;
        }

        public Manifest build() {
            if (arch == null) {
                throw new IllegalStateException("manifest needs an arch");
            }
            return new Manifest(this);
        }
    }
}
