package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A step is reused only with the fingerprint it was made with; anything else is refused naming the difference. */
class StepFingerprintTest {
    private static final ArchSpec LENET = Architectures.named("lenet", List.of(1, 28, 28), 10);
    private static final DataSpec DATA = new DataSpec("fashion-mnist", null, 300, 100);

    private static TrainConfig tc(double lr) {
        return new TrainConfig(2, 32, lr, 0.9, 1e-4, "step", 1, false, null, false, false);
    }

    private static JsonObject method(double ratio) {
        JsonObject settings = new JsonObject();
        settings.addProperty("ratio", ratio);
        JsonObject o = new JsonObject();
        o.addProperty("name", "l1-norm");
        o.add("settings", settings);
        return o;
    }

    @Test
    void anEmptyDirectoryIsTrainedAndTheSameSettingsReuseIt(@TempDir Path dir) {
        StepFingerprint fp = StepFingerprint.of("fine-tune", LENET, method(0.5), tc(0.01), DATA, null);
        assertFalse(fp.matches(dir.resolve("fine-tune")));
        fp.write(dir.resolve("fine-tune"));
        assertTrue(StepFingerprint.of("fine-tune", LENET, method(0.5), tc(0.01), DATA, null).matches(dir.resolve("fine-tune")));
        // where a step is written (checkpoint dir, resume) is not what it is
        TrainConfig elsewhere = new TrainConfig(2, 32, 0.01, 0.9, 1e-4, "step", 1, false, dir.resolve("x"), true, true);
        assertEquals(fp.digest(), StepFingerprint.of("fine-tune", LENET, method(0.5), elsewhere, DATA, null).digest());
    }

    @Test
    void anotherRatioLrSubsetParentOrDecisionIsRefusedNamingIt(@TempDir Path tmp) {
        StepFingerprint base = StepFingerprint.of("baseline", LENET, null, tc(0.05), DATA, null);
        StepFingerprint fp = StepFingerprint.of("fine-tune", LENET, method(0.5), tc(0.01), DATA, base);
        Path dir = tmp.resolve("fine-tune");
        fp.write(dir);
        IllegalStateException ratio = assertThrows(IllegalStateException.class,
                () -> StepFingerprint.of("fine-tune", LENET, method(0.3), tc(0.01), DATA, base).matches(dir));
        assertTrue(ratio.getMessage().startsWith(dir + " was trained with other settings (method.settings.ratio 0.5 -> 0.3)"),
                ratio.getMessage());
        IllegalStateException lr = assertThrows(IllegalStateException.class,
                () -> StepFingerprint.of("fine-tune", LENET, method(0.5), tc(0.1), DATA, base).matches(dir));
        assertTrue(lr.getMessage().contains("training.lr 0.01 -> 0.1"), lr.getMessage());
        IllegalStateException subset = assertThrows(IllegalStateException.class, () -> StepFingerprint.of("fine-tune", LENET,
                method(0.5), tc(0.01), new DataSpec("fashion-mnist", null, 600, 100), base).matches(dir));
        assertTrue(subset.getMessage().contains("data.trainSubset 300 -> 600"), subset.getMessage());
        IllegalStateException elsewhere = assertThrows(IllegalStateException.class, () -> StepFingerprint.of("fine-tune",
                LENET, method(0.5), tc(0.01), new DataSpec("fashion-mnist", tmp.resolve("other-copy"), 300, 100), base)
                .matches(dir));
        assertTrue(elsewhere.getMessage().contains("data.dir"), elsewhere.getMessage());
        StepFingerprint otherBase = StepFingerprint.of("baseline", LENET, null, tc(0.1), DATA, null);
        assertNotEquals(base.digest(), otherBase.digest());
        IllegalStateException parent = assertThrows(IllegalStateException.class,
                () -> StepFingerprint.of("fine-tune", LENET, method(0.5), tc(0.01), DATA, otherBase).matches(dir));
        assertTrue(parent.getMessage().contains("parent \"" + base.digest().substring(0, 36)), parent.getMessage());
        fp.withDecision("a").write(dir);
        assertTrue(fp.withDecision("a").matches(dir));
        IllegalStateException decision = assertThrows(IllegalStateException.class, () -> fp.withDecision("b").matches(dir));
        assertTrue(decision.getMessage().contains("decision \"a\" -> \"b\""), decision.getMessage());
        fp.write(dir);
        ArchSpec vgg = Architectures.named("vgg11", List.of(1, 28, 28), 10);
        IllegalStateException arch = assertThrows(IllegalStateException.class,
                () -> StepFingerprint.of("fine-tune", vgg, method(0.5), tc(0.01), DATA, base).matches(dir));
        assertTrue(arch.getMessage().contains("arch."), arch.getMessage());
    }

    @Test
    void aRunWithoutAFingerprintIsNotTrusted(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("baseline"));
        Files.writeString(run.resolve("manifest.json"), "{}");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> StepFingerprint.of("baseline", LENET, null, tc(0.05), DATA, null).matches(run));
        assertTrue(e.getMessage().contains("holds a run without baseline.fingerprint.json"), e.getMessage());
    }
}
