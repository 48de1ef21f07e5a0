package dev.sculptor.embedded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * First start from an empty directory, an interrupted extraction (built by hand, and a real kill -9 in the middle of
 * one) repaired on the next start. Every start runs in a child JVM with its own java.io.tmpdir (zonky caches the
 * binaries' place per JVM), which must stay free of zonky's default {@code embedded-pg}.
 */
class PgBinariesTest {
    @TempDir
    Path tmp;

    record Run(int rc, String out) {}

    @Test
    void firstStartFromAnEmptyDirectoryExtractsAndStarts() throws Exception {
        Path dir = tmp.resolve("bin");
        Run r = probe("repaired", dir);
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("STARTED"), r.out());
        List<Path> pg = pgDirs(dir);
        assertEquals(1, pg.size(), pg.toString());
        assertTrue(PgBinaries.complete(pg.get(0)), "extraction marked complete");
        assertTrue(Files.isExecutable(pg.get(0).resolve("bin/postgres")));
        assertFalse(Files.exists(tmp.resolve("tmp/embedded-pg")), "nothing in zonky's default place");
        // A second start uses what is there and removes nothing.
        Run again = probe("repaired", dir);
        assertEquals(0, again.rc(), again.out());
        assertFalse(again.out().contains("removed"), again.out());
        assertEquals(pg, pgDirs(dir));
    }

    @Test
    void aHalfExtractedDirectoryIsRepairedOnTheNextStart() throws Exception {
        Path dir = tmp.resolve("bin");
        // What a killed extraction leaves: some files, zonky's lock file, a symbolic link whose target never came,
        // no completion marker.
        Path pg = dir.resolve("PG-" + archiveMd5());
        Files.createDirectories(pg.resolve("lib"));
        Files.createDirectories(pg.resolve("bin"));
        Files.writeString(pg.resolve("bin/postgres"), "half");
        Files.createSymbolicLink(pg.resolve("lib/libpq.so"), Path.of("libpq.so.5.14"));
        Files.createFile(pg.resolve(PgBinaries.EXTRACT_LOCK));
        assertFalse(PgBinaries.complete(pg));

        Run stuck = probe("zonky", dir);
        assertNotEquals(0, stuck.rc(), "zonky alone cannot start on a half extraction:\n" + stuck.out());
        assertTrue(stuck.out().contains("FileAlreadyExistsException"), stuck.out());

        Run r = probe("repaired", dir);
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("removed " + pg), r.out());
        assertTrue(PgBinaries.complete(pg));
        assertTrue(Files.size(pg.resolve("bin/postgres")) > 1_000_000);
    }

    @Test
    void anExtractionKilledHalfWayIsRepairedOnTheNextStart() throws Exception {
        Path dir = tmp.resolve("bin");
        Path pg = dir.resolve("PG-" + archiveMd5());
        boolean killedHalfWay = false;
        for (int attempt = 0; attempt < 3 && !killedHalfWay; attempt++) {
            Process p = probeProcess("repaired", dir);
            // Wait until files appear, then kill -9 (SIGKILL: no shutdown hook, no cleanup).
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                    .until(() -> !p.isAlive() || countFiles(pg.resolve("lib")) >= 20);
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            killedHalfWay = Files.isDirectory(pg) && !PgBinaries.complete(pg);
            if (!killedHalfWay) {
                System.out.println("attempt " + attempt + ": the extraction finished before the kill; again");
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        assertTrue(killedHalfWay, "could not kill an extraction half-way in 3 attempts");

        Run r = probe("repaired", dir);
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("removed " + pg), r.out());
        assertTrue(PgBinaries.complete(pg));
    }

    @Test
    void repairLeavesCompleteDirectoriesAndOtherFilesAlone() throws Exception {
        Path dir = tmp.resolve("bin");
        Path done = dir.resolve("PG-done");
        Files.createDirectories(done.resolve("bin"));
        Files.writeString(done.resolve("bin/postgres"), "x");
        Files.createFile(done.resolve(PgBinaries.MARKER));
        Path other = Files.createDirectories(dir.resolve("not-ours"));
        Path half = Files.createDirectories(dir.resolve("PG-half/lib"));
        assertTrue(PgBinaries.complete(done));
        assertEquals(List.of(half.getParent()), PgBinaries.repair(dir));
        assertTrue(Files.isDirectory(done) && Files.isDirectory(other));
        assertFalse(Files.exists(half.getParent()));
    }

    // --------------------------------------------------------------------------------------------------------------

    private Run probe(String mode, Path dir) throws Exception {
        Process p = probeProcess(mode, dir);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("probe did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.println("probe " + mode + " -> " + p.exitValue() + "\n" + text);
        return new Run(p.exitValue(), text);
    }

    /** A child JVM with the heap the local stack gives its PostgreSQL process and its own temp dir. */
    private Process probeProcess(String mode, Path dir) throws IOException {
        Path childTmp = Files.createDirectories(tmp.resolve("tmp"));
        Path data = tmp.resolve("data-" + System.nanoTime());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + childTmp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), mode, dir.toString(), data.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static List<Path> pgDirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("PG-")).sorted().toList();
        }
    }

    private static long countFiles(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The name zonky gives the extraction: PG-&lt;md5 of the archive&gt;. */
    private static String archiveMd5() throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (InputStream in = new DigestInputStream(DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64"), md5)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md5.digest());
    }
}
