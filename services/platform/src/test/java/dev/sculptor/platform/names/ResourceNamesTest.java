package dev.sculptor.platform.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals("f: 'models/m/versions/1/extra' is not a resource name of the form models/{model}/versions/{version}",
                invalid(() -> VersionName.parse("f", "models/m/versions/1/extra")));
    }

    @Test
    void theRegistrysGrammarTakesAnySegmentButTheDotOnes() {
        // names the registry has always accepted (and answered NOT_FOUND for) still parse
        assertEquals(new VersionName("Some Model", null, "my_alias"), VersionName.parse("f", "models/Some Model/versions/my_alias"));
        assertEquals("-x", ResourceNames.MODELS.id("name", "models/-x"));
        assertEquals(new AliasName("m", "prod"), AliasName.parse("name", "models/m/aliases/prod"));
        assertEquals("models/m/aliases/prod", new AliasName("m", "prod").name());
        // but none that would leave the model's place in the store
        invalid(() -> VersionName.parse("f", "models/../versions/1"));
        invalid(() -> VersionName.parse("f", "models/m/versions/.."));
        invalid(() -> ResourceNames.MODELS.id("name", "models/."));
        assertEquals("name: 'models/m/versions/1' is not a resource name of the form models/{model}/aliases/{alias}",
                invalid(() -> AliasName.parse("name", "models/m/versions/1")));
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
        assertEquals("training_run: 'trainingRuns/bad/name' is not a resource name of the form trainingRuns/{run}",
                invalid(() -> ResourceNames.TRAINING_RUNS.id("training_run", "trainingRuns/bad/name")));
        invalid(() -> ResourceNames.EVALUATIONS.id("name", "evaluations/" + "e".repeat(129)));
        assertEquals("evaluations/abc", ResourceNames.EVALUATIONS.name("abc"));

        assertEquals("j1", ResourceNames.PRUNE_JOBS.id("name", "pruneJobs/j1"));
        invalid(() -> ResourceNames.PRUNE_JOBS.id("name", "pruneJobs/Upper"));
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
