package dev.sculptor.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeTest {
    @TempDir
    Path tmp;

    @Test
    void optionsAreNameValuePairsInOrder() {
        assertEquals(Map.of("port", "19092", "data", "/d"), Serve.options(List.of("--port", "19092", "--data", "/d")));
        assertEquals(List.of("a", "b"), List.copyOf(Serve.options(List.of("--a", "1", "--b", "2")).keySet()));
        IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class, () -> Serve.options(List.of("--port")));
        assertTrue(dangling.getMessage().contains("--port"), dangling.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Serve.options(List.of("port", "1")));
    }

    @Test
    void unknownPartsAndMissingOptionsAreRefusedBeforeAnythingStarts() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Serve.start("redis", Map.of("port", "1", "data", tmp.toString())));
        assertTrue(unknown.getMessage().contains("redis"), unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Serve.start("kafka", Map.of("port", "1", "data", tmp.toString())));
        assertEquals("--controller-port is required", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Serve.start("s3", Map.of("data", tmp.toString())));
    }
}
