package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.engine.prune.MethodDef;
import org.junit.jupiter.api.Test;

/** Method words come from the engine's registry and map to the contract's enum by name. */
class ChoicesTest {
    @Test
    void theShownWordsAreTheRegistrysWords() {
        assertEquals(MethodDef.words(), Choices.METHOD_WORDS);
    }

    @Test
    void everyNameOfEveryMethodLeadsToItsEnumAndBack() {
        for (MethodDef def : MethodDef.values()) {
            PruningMethod m = PruningMethod.valueOf(def.name());
            for (String name : def.names()) {
                assertEquals(m, Choices.method(name), name);
                assertEquals(m, Choices.method(" " + name.toLowerCase() + " "), name);
            }
            assertEquals(def.word(), Choices.word(m));
            assertEquals(def.amount() == MethodDef.Amount.PERCENT, Choices.usesPercent(m));
        }
        assertTrue(Choices.usesPercent(PruningMethod.SPARSE_STRUCTURE_SELECTION));
        assertFalse(Choices.usesPercent(PruningMethod.SOFT_FILTER_PRUNING));
        assertEquals("PRUNING_METHOD_UNSPECIFIED", Choices.word(PruningMethod.PRUNING_METHOD_UNSPECIFIED));
        assertFalse(Choices.usesPercent(PruningMethod.PRUNING_METHOD_UNSPECIFIED));
    }

    @Test
    void unknownWordsAreUsageErrors() {
        for (String w : new String[] {"nosuch", "", "pruning_method_unspecified"}) {
            CliException e = assertThrows(CliException.class, () -> Choices.method(w));
            assertEquals("unknown method '" + w + "' (one of l1, thinet, regression, slimming, sss, sfp, weight)", e.getMessage());
        }
        assertThrows(CliException.class, () -> Choices.method(null));
    }
}
