package dev.sculptor.engine.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Write-to-temp, fsync, rename: the only way this package creates files, so that a crash leaves either
 * the previous file or the complete new one under the final name, never a prefix of it.
 */
public final class AtomicFiles {
    static final int BUFFER = 1 << 16;

    private AtomicFiles() {}

    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} atomically. The temporary file lives in the same directory (a rename is only
     * atomic within a file system) and starts with a dot so that listings and part names ignore it. It
     * is created with the default permissions (not {@code Files.createTempFile}'s owner-only ones), since
     * it becomes the final file.
     */
    static void write(Path target, Body body) {
        writeBody(target, body);
    }

    /** Writes {@code bytes} to {@code target} atomically (see {@link #write(Path, Body)}). */
    public static void write(Path target, byte[] bytes) {
        writeBody(target, out -> out.write(bytes));
    }

    private static void writeBody(Path target, Body body) {
        Path dir = parentOf(target);
        Path tmp = null;
        try {
            FileChannel ch = null;
            for (int attempt = 0; ch == null; attempt++) {
                tmp = dir.resolve("." + target.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null;
                    if (attempt > 100) {
                        throw e;
                    }
                }
            }
            try (FileChannel c = ch) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(c), BUFFER);
                body.writeTo(out);
                out.flush();
                c.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw CheckpointException.io(target, "cannot write", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure matters more than a leftover dot-file.
                }
            }
        }
    }

    /** Makes an earlier write of {@code file} (by whatever means) durable before a manifest names it. */
    static void fsyncFile(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            c.force(true);
        }
    }

    /**
     * Makes renames in {@code dir} durable. Best effort: some platforms (Windows) cannot open a directory
     * for syncing, and there the rename is as durable as the OS makes it.
     */
    static void fsyncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // See above.
        }
    }

    static Path parentOf(Path p) {
        Path parent = p.toAbsolutePath().normalize().getParent();
        if (parent == null) {
            throw new IllegalArgumentException(p + ": has no parent directory");
        }
        return parent;
    }

    static void deleteRecursively(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
