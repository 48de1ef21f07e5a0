package dev.sculptor.platform.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import org.junit.jupiter.api.Test;

class ResourceNamesTest {
    static String invalid(Runnable parse) {
        PlatformException e = assertThrows(PlatformException.class, parse::run);
        assertEquals(Code.INVALID_ARGUMENT, e.code());
        return e.getMessage();
    }

    @Test
    void versionNamesParseToNumberOrAlias() {
        VersionName n = VersionName.parse("f", "models/m.1/versions/007");
        assertEquals(new VersionName("m.1", 7, null), n);
        assertEquals("models/m.1/versions/7", n.numbered());
        assertEquals("models/m.1/versions/7/", n.prefix());
        assertEquals("models/m.1", n.modelName());
        VersionName alias = VersionName.parse("f", "models/m/versions/production");
        assertEquals(new VersionName("m", null, "production"), alias);
        assertEquals("models/m/versions/production", alias.name());
        assertThrows(IllegalStateException.class, alias::prefix);
        assertEquals("model_version: is required (models/{model}/versions/{version})", invalid(() -> VersionName.parse("model_version", "")));
        assertEquals("f: version number 99999999999 is out of range", invalid(() -> VersionName.parse("f", "models/m/versions/99999999999")));
        assertTrue(invalid(() -> VersionName.parse("f", "models/m/versions/1/extra"))
                .startsWith("f: 'models/m/versions/1/extra' is not a resource name of the form models/{model}/versions/{version}: "));
    }

    @Test
    void theRegistrysIdsAreLettersDigitsDotsUnderscoresAndHyphens() {
        // every id the services create still parses
        assertEquals(new VersionName("m", null, "my_alias"), VersionName.parse("f", "models/m/versions/my_alias"));
        assertEquals("resnet56-l1-0.5", ResourceNames.MODELS.id("name", "models/resnet56-l1-0.5"));
        assertEquals(new AliasName("m", "prod"), AliasName.parse("name", "models/m/aliases/prod"));
        assertEquals("models/m/aliases/prod", new AliasName("m", "prod").name());
        assertEquals(VersionName.of("m" + "x".repeat(127), 1), VersionName.parse("f", "models/m" + "x".repeat(127) + "/versions/1"));
        // nothing that would leave the model's place in the store, nor start with anything but a letter or digit
        invalid(() -> VersionName.parse("f", "models/../versions/1"));
        invalid(() -> VersionName.parse("f", "models/m/versions/.."));
        invalid(() -> ResourceNames.MODELS.id("name", "models/."));
        invalid(() -> ResourceNames.MODELS.id("name", "models/-x"));
        assertEquals("f: 'models/m/versions/-1' is not a resource name of the form models/{model}/versions/{version}: the version is "
                + "a number or an alias; ids are letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 long",
                invalid(() -> VersionName.parse("f", "models/m/versions/-1")));
        assertEquals("name: 'models/m/versions/1' is not a resource name of the form models/{model}/aliases/{alias}: ids are letters, "
                + "digits, '.', '_' or '-', starting with a letter or digit, at most 128 long",
                invalid(() -> AliasName.parse("name", "models/m/versions/1")));
    }

    @Test
    void hostileNamesAreRefusedBeforeAnyLookupWithAShortMessage() {
        for (String hostile : new String[] {"models/a\u0000b", "models/caf\u00e9", "models/x'; DROP TABLE models; --", "models/a b",
            "models/m%00", "models/\u202ex", "models/m\n", "models/" + "x".repeat(129)}) {
            invalid(() -> ResourceNames.MODELS.id("name", hostile));
            invalid(() -> VersionName.parse("name", hostile + "/versions/1"));
            invalid(() -> AliasName.parse("name", hostile + "/aliases/a"));
            invalid(() -> ResourceNames.TRAINING_RUNS.id("name", hostile.replace("models/", "trainingRuns/")));
            invalid(() -> ResourceNames.EVALUATIONS.id("name", hostile.replace("models/", "evaluations/")));
            invalid(() -> ResourceNames.PRUNE_JOBS.id("name", hostile.replace("models/", "pruneJobs/")));
            assertNull(ResourceNames.PRUNE_JOBS.idOrNull(hostile.replace("models/", "pruneJobs/")));
        }
        // a NUL is shown escaped, never sent on
        assertEquals("name: 'models/a\\u0000b' is not a resource name of the form models/{model}: ids are letters, digits, '.', '_' or "
                + "'-', starting with a letter or digit, at most 128 long", invalid(() -> ResourceNames.MODELS.id("name", "models/a\u0000b")));
        // 10,000 characters: 64 quoted, then the length; the grammar is said
        String huge = "models/" + "x".repeat(10_000);
        String m = invalid(() -> ResourceNames.MODELS.id("name", huge));
        assertEquals("name: '" + huge.substring(0, 64) + "...' (10007 characters) is not a resource name of the form models/{model}: "
                + "names are at most 256 characters long", m);
        assertTrue(invalid(() -> VersionName.parse("name", huge)).length() < 256);
        assertTrue(invalid(() -> VersionName.parseNumbered("name", huge)).length() < 256);
        assertTrue(invalid(() -> AliasName.parse("name", huge)).length() < 256);
        assertTrue(invalid(() -> ResourceNames.checkNewId("model_id", huge)).length() < 256);
        assertNull(ResourceNames.TRAINING_RUNS.idOrNull("trainingRuns/" + "x".repeat(10_000)));
    }

    @Test
    void quotesShowAtMost64VisibleCharacters() {
        assertEquals("'models/caf\u00e9'", ResourceNames.quote("models/caf\u00e9"));
        assertEquals("'a\\u0007\\u200fb'", ResourceNames.quote("a\u0007\u200fb"));
        assertEquals("''", ResourceNames.quote(null));
        // a character outside the BMP counts once and is never cut in half
        String emoji = "\ud83d\ude00".repeat(70);
        assertEquals("'" + "\ud83d\ude00".repeat(64) + "...' (70 characters)", ResourceNames.quote(emoji));
    }

    @Test
    void numberedOnlyFieldsRefuseAliases() {
        assertEquals(VersionName.of("m", 3), VersionName.parseNumbered("v", "models/m/versions/3"));
        assertEquals("v: 'models/m/versions/latest' is not a numbered version name of the form models/{model}/versions/{n}",
                invalid(() -> VersionName.parseNumbered("v", "models/m/versions/latest")));
        invalid(() -> VersionName.parseNumbered("v", "latest"));
    }

    @Test
    void eachCollectionHasItsGrammar() {
        assertEquals("trainingRuns/{run}", ResourceNames.TRAINING_RUNS.form());
        assertEquals("j1-scratch.b_2", ResourceNames.TRAINING_RUNS.id("training_run", "trainingRuns/j1-scratch.b_2"));
        assertEquals("training_run: is required (trainingRuns/{run})", invalid(() -> ResourceNames.TRAINING_RUNS.id("training_run", null)));
        assertEquals("training_run: 'trainingRuns/bad/name' is not a resource name of the form trainingRuns/{run}: ids are letters, "
                + "digits, '.', '_' or '-', starting with a letter or digit, at most 128 long",
                invalid(() -> ResourceNames.TRAINING_RUNS.id("training_run", "trainingRuns/bad/name")));
        invalid(() -> ResourceNames.EVALUATIONS.id("name", "evaluations/" + "e".repeat(129)));
        assertEquals("evaluations/abc", ResourceNames.EVALUATIONS.name("abc"));

        assertEquals("j1", ResourceNames.PRUNE_JOBS.id("name", "pruneJobs/j1"));
        assertEquals("name: 'pruneJobs/Upper' is not a resource name of the form pruneJobs/{job}: ids match [a-z][a-z0-9-]{0,62}",
                invalid(() -> ResourceNames.PRUNE_JOBS.id("name", "pruneJobs/Upper")));
        invalid(() -> ResourceNames.REPRUNE_TRIGGERS.id("name", "pruneJobs/j1"));
        assertEquals("t1", ResourceNames.REPRUNE_TRIGGERS.id("name", "repruneTriggers/t1"));
        assertNull(ResourceNames.PRUNE_JOBS.idOrNull("trainingRuns/j1"));
        assertNull(ResourceNames.PRUNE_JOBS.idOrNull(null));
    }

    @Test
    void newIdsAreLowerCaseLettersDigitsAndHyphens() {
        assertEquals("my-model-2", ResourceNames.checkNewId("model_id", "my-model-2"));
        assertEquals("model_id: is required", invalid(() -> ResourceNames.checkNewId("model_id", "")));
        assertEquals("model_id: 'X' must match [a-z][a-z0-9-]{0,62}", invalid(() -> ResourceNames.checkNewId("model_id", "X")));
        invalid(() -> ResourceNames.checkNewId("id", "9lives"));
        invalid(() -> ResourceNames.checkNewId("id", "a" + "b".repeat(63)));
    }
}
