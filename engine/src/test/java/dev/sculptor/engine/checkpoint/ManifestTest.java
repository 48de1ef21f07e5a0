package dev.sculptor.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String SHA_A = "a".repeat(64);
    static final String SHA_B = "0123456789abcdef".repeat(4);

    static JsonObject json(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }

    static Manifest full() {
        return Manifest.builder()
                .createdAt("2025-03-01T12:00:00Z")
                .arch(json("{\"name\":\"vgg16\",\"widths\":[64,64,128],\"bn\":true}"))
                .metric("top1", 0.9312)
                .metric("loss", 0.2)
                .lineage(new Manifest.Lineage("runs/vgg16/base", "l1-filter", json("{\"ratio\":0.5}")))
                .training(json("{\"epoch\":40,\"seed\":7}"))
                .part("params.bin", new Manifest.PartInfo(SHA_A, 58_934_123L))
                .part("masks.bin", new Manifest.PartInfo(SHA_B, 0))
                .build();
    }

    @Test
    void fullRoundTrip() {
        Manifest m = full();
        String text = m.toJson();
        Manifest back = Manifest.fromJson(text, "manifest.json");
        assertEquals(m, back);
        assertEquals(text, back.toJson());
        assertEquals(1, back.format());
        assertEquals("2025-03-01T12:00:00Z", back.createdAt());
        assertEquals(json("{\"name\":\"vgg16\",\"widths\":[64,64,128],\"bn\":true}"), back.arch());
        assertEquals(Map.of("top1", 0.9312, "loss", 0.2), back.metrics());
        assertEquals(List.of("top1", "loss"), List.copyOf(back.metrics().keySet()));
        assertEquals("runs/vgg16/base", back.lineage().parent());
        assertEquals("l1-filter", back.lineage().method());
        assertEquals(json("{\"ratio\":0.5}"), back.lineage().settings());
        assertEquals(40, back.training().get("epoch").getAsInt());
        assertEquals(List.of("params.bin", "masks.bin"), List.copyOf(back.parts().keySet()));
        assertEquals(new Manifest.PartInfo(SHA_A, 58_934_123L), back.parts().get("params.bin"));
        assertTrue(text.contains("\n  \"createdAt\": \"2025-03-01T12:00:00Z\",\n"), text);
        assertTrue(text.indexOf("\"format\"") < text.indexOf("\"arch\"")
                && text.indexOf("\"arch\"") < text.indexOf("\"parts\""), text);
    }

    @Test
    void keepMapRoundTripsAndAbsentStaysAbsent() {
        Map<String, int[]> kept = new java.util.LinkedHashMap<>();
        kept.put("features.0", new int[] {0, 2, 5});
        kept.put("features.1", new int[] {});
        Manifest m = full().toBuilder().kept(kept).build();
        Manifest back = Manifest.fromJson(m.toJson(), "manifest.json");
        assertEquals(m, back);
        assertEquals(List.of("features.0", "features.1"), List.copyOf(back.kept().keySet()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 2, 5}, back.kept().get("features.0"));
        // a copy: the manifest cannot be changed through it
        back.kept().get("features.0")[0] = 9;
        assertEquals(0, back.kept().get("features.0")[0]);
        // no keep map recorded: none read back, and the JSON has no such field
        assertNull(full().kept());
        assertTrue(!full().toJson().contains("\"kept\""));
        assertNull(Manifest.fromJson(full().toJson(), "m").kept());
        assertTrue(!m.equals(full()));
    }

    @Test
    void badKeepMapIsRefusedNamingTheField() {
        JsonObject good = json(full().toBuilder().kept(Map.of("features.0", new int[] {1, 3})).build().toJson());
        assertEquals(2, Manifest.fromJson(good.toString(), "m.json").kept().get("features.0").length);
        for (String bad : List.of("[3, 1]", "[1, 1]", "[-1, 3]", "[1.5, 3]", "7")) {
            JsonObject o = good.deepCopy();
            o.getAsJsonObject("kept").add("features.0", JsonParser.parseString(bad));
            CheckpointException e = assertThrows(CheckpointException.class, () -> Manifest.fromJson(o.toString(), "m.json"));
            assertTrue(e.getMessage().startsWith("m.json: field 'kept.features.0"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void minimalRoundTripWithNullsAndEmptyMaps() {
        Manifest m = Manifest.builder().createdAt("2025-03-01T13:00:00.5+01:00")
                .arch(new JsonObject()).build();
        String text = m.toJson();
        assertTrue(text.contains("\"lineage\": null") && text.contains("\"training\": null"), text);
        Manifest back = Manifest.fromJson(text, "m.json");
        assertEquals(m, back);
        assertNull(back.lineage());
        assertNull(back.training());
        assertTrue(back.metrics().isEmpty());
        assertTrue(back.parts().isEmpty());

        Manifest partial = Manifest.builder().createdAt("2025-03-01T12:00:00Z").arch(new JsonObject())
                .lineage(new Manifest.Lineage(null, "scratch", null)).build();
        assertEquals(partial, Manifest.fromJson(partial.toJson(), "m.json"));
    }

    @Test
    void isImmutable() {
        JsonObject arch = json("{\"name\":\"resnet56\"}");
        Manifest m = Manifest.builder().arch(arch).build();
        arch.addProperty("name", "changed");
        m.arch().addProperty("name", "changed too");
        assertEquals("resnet56", m.arch().get("name").getAsString());
        assertThrows(UnsupportedOperationException.class, () -> m.metrics().put("x", 1.0));
        assertThrows(UnsupportedOperationException.class, () -> m.parts().clear());
    }

    @Test
    void withPartsReplacesParts() {
        Manifest m = full().withParts(Map.of("optimizer.bin", new Manifest.PartInfo(SHA_B, 12)));
        assertEquals(List.of("optimizer.bin"), List.copyOf(m.parts().keySet()));
        assertEquals(full().metrics(), m.metrics());
    }

    @Test
    void builderRejectsInvalidValues() {
        Manifest.Builder b = Manifest.builder();
        assertThrows(IllegalArgumentException.class, () -> b.metric("loss", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> b.createdAt("yesterday"));
        assertThrows(IllegalArgumentException.class, () -> b.part("../params.bin",
                new Manifest.PartInfo(SHA_A, 1)));
        assertThrows(IllegalArgumentException.class, () -> b.part("manifest.json",
                new Manifest.PartInfo(SHA_A, 1)));
        assertThrows(IllegalArgumentException.class, () -> new Manifest.PartInfo("ABC", 1));
        assertThrows(IllegalArgumentException.class, () -> new Manifest.PartInfo(SHA_A, -1));
        assertThrows(IllegalStateException.class, b::build);
    }

    /** fromJson of {@link #full()} with {@code from} replaced by {@code to}: the error message. */
    private static String errorFor(String from, String to) {
        String text = full().toJson();
        assertTrue(text.contains(from), from);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Manifest.fromJson(text.replace(from, to), "ckpt/manifest.json"));
        assertTrue(e.getMessage().startsWith("ckpt/manifest.json: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage().substring("ckpt/manifest.json: ".length());
    }

    @Test
    void rejectsMissingAndInvalidFields() {
        assertEquals("missing field 'createdAt'",
                errorFor("\"createdAt\": \"2025-03-01T12:00:00Z\",", ""));
        assertEquals("field 'createdAt' is not an ISO-8601 timestamp with offset: \"yesterday\"",
                errorFor("2025-03-01T12:00:00Z", "yesterday"));
        assertEquals("field 'format' is 2, but this build reads format 1 only",
                errorFor("\"format\": 1", "\"format\": 2"));
        assertEquals("field 'format' must be a number, got \"1\"",
                errorFor("\"format\": 1", "\"format\": \"1\""));
        assertEquals("field 'format' must be an integer, got 1.5",
                errorFor("\"format\": 1", "\"format\": 1.5"));
        assertEquals("missing field 'format'", errorFor("\"format\": 1,", ""));
        assertEquals("field 'arch' must be a JSON object, got an array",
                errorFor("\"arch\": {", "\"arch\": [], \"x\": {"));
        assertEquals("field 'metrics.top1' must be a number, got \"high\"",
                errorFor("0.9312", "\"high\""));
        assertEquals("field 'lineage.method' must be a string, got 3",
                errorFor("\"l1-filter\"", "3"));
        assertEquals("field 'training' must be a JSON object, got 40",
                errorFor("\"training\": {", "\"training\": 40, \"x\": {"));
        assertEquals("field 'parts.params.bin.sha256' is not a lowercase hex SHA-256: \"xyz\"",
                errorFor(SHA_A, "xyz"));
        assertEquals("field 'parts.params.bin.bytes' must not be negative, got -5",
                errorFor("58934123", "-5"));
        assertEquals("missing field 'parts.masks.bin.bytes'",
                errorFor(",\n      \"bytes\": 0", ""));
        assertEquals("field 'parts.../etc/passwd' is not a plain file name inside the checkpoint "
                + "directory", errorFor("\"masks.bin\"", "\"../etc/passwd\""));
        assertEquals("field 'parts' must not be null",
                errorFor("\"parts\": {", "\"parts\": null, \"y\": {"));
    }

    @Test
    void rejectsInvalidJson() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Manifest.fromJson("{\"format\": 1,", "m.json"));
        assertTrue(e.getMessage().startsWith("m.json: invalid JSON: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Manifest.fromJson("[1, 2]", "m.json"));
        assertEquals("m.json: not a manifest (expected a JSON object)", e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Manifest.fromJson("", "m.json"));
        assertEquals("m.json: not a manifest (expected a JSON object)", e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> Manifest.fromJson(full().toJson() + " {}", "m.json"));
        assertTrue(e.getMessage().startsWith("m.json: invalid JSON: "), e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> Manifest.fromJson("{'format': 1}", "m.json"));
        assertTrue(e.getMessage().startsWith("m.json: invalid JSON: "), e.getMessage());
    }
}
