package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArgumentParsingTest {
    @TempDir
    Path tmp;

    private Object leaf(String... args) {
        return CliRunner.parse(tmp, args);
    }

    /** No endpoint is reachable here: every command line below must fail before it needs one. */
    private CliRunner.Result run(String... args) {
        return CliRunner.home(tmp).run(args);
    }

    @Test
    void create() {
        ModelsCommand.Create c = (ModelsCommand.Create) leaf("models", "create", "demo", "--display-name", "Demo net",
                "--description", "d", "--label", "team=vision", "--label", "stage=dev", "--endpoint", "h:1", "--token", "t",
                "--json");
        assertEquals("demo", c.id);
        assertEquals("Demo net", c.displayName);
        assertEquals("d", c.description);
        assertEquals(Map.of("team", "vision", "stage", "dev"), c.labels);
        assertEquals(List.of("team", "stage"), List.copyOf(c.labels.keySet()));
        assertEquals("h:1", c.endpoint);
        assertEquals("t", c.token);
        assertTrue(c.json);
    }

    @Test
    void listAndVersions() {
        ModelsCommand.ListModels l = (ModelsCommand.ListModels) leaf("models", "list", "--filter", "name:de", "--page-size", "7");
        assertEquals("name:de", l.filter);
        assertEquals(7, l.pageSize);
        l = (ModelsCommand.ListModels) leaf("models", "list");
        assertNull(l.filter);
        assertEquals(0, l.pageSize);
        assertFalse(l.json);
        ModelsCommand.Versions v = (ModelsCommand.Versions) leaf("models", "versions", "demo", "--tag", "pruned");
        assertEquals("demo", v.model);
        assertEquals("pruned", v.tag);
    }

    @Test
    void upload() {
        ModelsCommand.Upload u = (ModelsCommand.Upload) leaf("models", "upload", "demo", "ck", "--description", "first",
                "--tag", "a", "--tag", "b", "--parent", "models/demo/versions/1", "--request-id", "r-1");
        assertEquals("demo", u.model);
        assertEquals(Path.of("ck"), u.dir);
        assertEquals("first", u.description);
        assertEquals(List.of("a", "b"), u.tags);
        assertEquals("models/demo/versions/1", u.parent);
        assertEquals("r-1", u.requestId);
    }

    @Test
    void downloadAliasLineage() {
        ModelsCommand.Download d = (ModelsCommand.Download) leaf("models", "download", "demo/production", "out", "--force");
        assertEquals("demo/production", d.version);
        assertEquals(Path.of("out"), d.dir);
        assertTrue(d.force);
        ModelsCommand.AliasCmd a = (ModelsCommand.AliasCmd) leaf("models", "alias", "demo", "production", "demo/1");
        assertEquals("demo/1", a.version);
        assertFalse(a.delete);
        a = (ModelsCommand.AliasCmd) leaf("models", "alias", "demo", "production", "--delete");
        assertNull(a.version);
        assertTrue(a.delete);
        ModelsCommand.LineageCmd g = (ModelsCommand.LineageCmd) leaf("models", "lineage", "demo/1", "--max-depth", "3");
        assertEquals("demo/1", g.version);
        assertEquals(3, g.maxDepth);
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        String[][] bad = {
            {"models", "create"},
            {"models", "create", "demo", "--label", "novalue"},
            {"models", "frobnicate"},
            {"models", "list", "--page-size", "x"},
            {"models", "list", "--page-size", "-1"},
            {"models", "get", "a/b"},
            {"models", "download", "demo", "out"},
            {"models", "download", "demo/1"},
            {"models", "lineage", "models/demo"},
            {"models", "alias", "demo", "production"},
            {"models", "alias", "demo", "production", "1", "--delete"},
            {"models", "upload", "demo", "ck", "--parent", "nope"},
            {"models", "list", "--endpoint", "nohost"},
            {"models", "get", "demo", "--no-such-flag"},
        };
        for (String[] args : bad) {
            CliRunner.Result r = run(args);
            r.assertUsageError(args);
            assertEquals("", r.out(), String.join(" ", args) + "\n" + r);
        }
        assertEquals("sculptor: missing the version to point production at (or --delete) (see ./sculptor models alias --help)",
                run("models", "alias", "demo", "production").err().strip());
    }

    @Test
    void helpAndBareGroupExitZero() {
        CliRunner.Result r = run("models", "--help");
        assertEquals(0, r.rc(), r.toString());
        for (String c : List.of("create", "list", "get", "versions", "upload", "download", "alias", "lineage")) {
            assertTrue(r.out().contains(c), r.toString());
        }
        assertEquals(0, run("models").rc());
        assertEquals(0, run("models", "upload", "--help").rc());
        assertTrue(run("models", "upload", "--help").out().contains("--parent"));
    }

    @Test
    void noLocalStackIsAFailureNotAUsageError() {
        CliRunner.Result r = run("models", "list");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: no local stack found (" + tmp.resolve("home/local/endpoints.json")
                + " does not exist): start it with ./sculptor up, or pass --endpoint host:port (or set SCULPTOR_ENDPOINT)\n",
                r.err());
    }

    @Test
    void aBadCheckpointIsReportedBeforeAnyEndpointIsNeeded() {
        CliRunner.Result r = run("models", "upload", "demo", tmp.toString());
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.err().startsWith("sculptor: " + tmp), r.toString());
        assertTrue(r.err().contains("manifest.json"), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
    }
}
