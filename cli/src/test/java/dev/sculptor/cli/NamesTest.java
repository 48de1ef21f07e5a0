package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    @Test
    void versionShorthands() {
        assertEquals("models/demo/versions/3", Names.version("models/demo/versions/3"));
        assertEquals("models/demo/versions/3", Names.version("demo/3"));
        assertEquals("models/demo/versions/production", Names.version("demo/production"));
        assertEquals("models/demo/versions/production", Names.version("models/demo/versions/production"));
        assertEquals("models/demo/versions/3", Names.version(" demo/3 "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo", "3", "models/demo", "models/demo/versions", "models/demo/versions/", "demo/3/x",
        "/demo/3", "demo/", "models/demo/aliases/production", "de mo/3"})
    void notVersions(String s) {
        CliException e = assertThrows(CliException.class, () -> Names.version(s));
        assertEquals(CliException.USAGE, e.code());
        assertTrue(e.getMessage().contains("use models/<model>/versions/<n>, <model>/<n> or <model>/<alias>"), e.getMessage());
    }

    @Test
    void versionOfAModelTheCommandNames() {
        assertEquals("models/demo/versions/2", Names.version("demo", "2"));
        assertEquals("models/demo/versions/staging", Names.version("models/demo", "staging"));
        assertEquals("models/demo/versions/2", Names.version("demo", "demo/2"));
        assertEquals("models/other/versions/2", Names.version("demo", "models/other/versions/2"));
        assertThrows(CliException.class, () -> Names.version("demo", "a/b/c"));
    }

    @Test
    void models() {
        assertEquals("models/demo", Names.model("demo"));
        assertEquals("models/demo", Names.model("models/demo"));
        assertEquals("demo", Names.modelId("models/demo"));
        for (String bad : new String[] {"", "models", "models/", "a/b", "models/a/versions/1", " "}) {
            assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> Names.model(bad), bad).code());
        }
    }

    @Test
    void aliasesAndNumbers() {
        assertEquals("models/demo/aliases/production", Names.alias("demo", "production"));
        assertEquals("models/demo/aliases/production", Names.alias("models/demo", "production"));
        assertThrows(CliException.class, () -> Names.alias("demo", "a/b"));
        assertTrue(Names.isNumbered("models/demo/versions/12"));
        assertFalse(Names.isNumbered("models/demo/versions/production"));
        assertEquals("models/demo", Names.modelOfVersion("models/demo/versions/1"));
    }
}
