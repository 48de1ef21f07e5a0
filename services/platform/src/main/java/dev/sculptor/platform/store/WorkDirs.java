package dev.sculptor.platform.store;

import dev.sculptor.platform.errors.PlatformException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local working directories: checkpoints downloaded or written before they go to the store. */
public final class WorkDirs {
    private WorkDirs() {}

    /**
     * A new empty directory under {@code parent} (created when missing).
     *
     * @throws PlatformException UNAVAILABLE when the disk refuses
     */
    public static Path createTemp(Path parent, String prefix) {
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw PlatformException.unavailable("cannot use the work directory " + parent + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a directory and everything in it; a leftover is harmless, so failures are ignored. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // the next use of the work directory, or the OS, cleans it up
        }
    }
}
