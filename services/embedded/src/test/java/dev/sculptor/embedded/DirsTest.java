package dev.sculptor.embedded;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirsTest {
    @TempDir
    Path tmp;

    @Test
    void deletesATreeWithoutFollowingLinks() throws IOException {
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "keep me");
        Path root = Files.createDirectories(tmp.resolve("root/a/b"));
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(tmp.resolve("root/link"), outside);
        Dirs.delete(tmp.resolve("root"));
        assertFalse(Files.exists(tmp.resolve("root")));
        assertTrue(Files.exists(outside));
        Dirs.delete(tmp.resolve("absent"));
        Dirs.deleteQuietly(null);
    }

    @Test
    void quietlyLeavesWhatCannotGoAndDeletesTheRest() throws IOException {
        Path locked = Files.createDirectories(tmp.resolve("root/locked"));
        Files.writeString(locked.resolve("f"), "x");
        Files.writeString(tmp.resolve("root/free"), "y");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        try {
            if (Files.isWritable(locked)) {
                return; // running as root: permissions do not stop deletion, nothing to show
            }
            assertThrows(IOException.class, () -> Dirs.delete(tmp.resolve("root")));
            Dirs.deleteQuietly(tmp.resolve("root"));
            assertFalse(Files.exists(tmp.resolve("root/free")));
            assertTrue(Files.exists(locked.resolve("f")));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
