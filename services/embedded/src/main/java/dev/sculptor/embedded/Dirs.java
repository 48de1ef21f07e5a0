package dev.sculptor.embedded;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Deleting directory trees (data directories of throw-away parts, unfinished extractions of binaries). */
public final class Dirs {
    private Dirs() {}

    /** Deletes a tree; the first file that cannot be deleted stops it with an exception. Links are not followed. */
    public static void delete(Path root) throws IOException {
        walk(root, false);
    }

    /**
     * Deletes a tree, best effort: what cannot be deleted is left (a part's own shutdown hook, zonky's, may be deleting
     * the same files at the same time, and late writer threads may still hold some).
     */
    public static void deleteQuietly(Path root) {
        try {
            walk(root, true);
        } catch (IOException ignored) {
            // Left for the OS to clean with the rest of the temp dir.
        }
    }

    private static void walk(Path root, boolean quietly) throws IOException {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                remove(file, quietly);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (!quietly) {
                    throw e;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !quietly) {
                    throw e;
                }
                remove(dir, quietly);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void remove(Path path, boolean quietly) throws IOException {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            if (!quietly) {
                throw e;
            }
        }
    }
}
