package dev.sculptor.training.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** sculptor.training.launcher and sculptor.training.pod.run. */
class LauncherModeTest {
    static LauncherMode mode(String launcher, String podRun) {
        LauncherMode m = new LauncherMode();
        m.launcher = launcher;
        m.podRun = Optional.ofNullable(podRun);
        m.check();
        return m;
    }

    @Test
    void anUnknownLauncherIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mode("k8s", null));
        assertEquals("sculptor.training.launcher must be 'local' or 'kubernetes', got 'k8s'", e.getMessage());
    }

    @Test
    void aPodTrainsItsRunAndLaunchesNothingWhateverTheLauncher() {
        assertFalse(mode("local", null).kubernetes());
        assertTrue(mode("kubernetes", null).kubernetes());
        assertTrue(mode("kubernetes", " ").podRun().isEmpty(), "blank: the service");
        LauncherMode pod = mode("kubernetes", "ft-1");
        assertEquals(Optional.of("ft-1"), pod.podRun());
        assertFalse(pod.kubernetes(), "a pod starts no reconciler and creates no Jobs");
    }
}
