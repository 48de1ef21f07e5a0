package dev.sculptor.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where the local stack keeps everything: one state directory.
 *
 * <pre>
 * state/
 *   secrets/               mode 700: admin.token, write.token, read.token (one bearer token per role), s3.secret and
 *                          postgres.password (the database superuser's), each 32 random bytes as hex, mode 600,
 *                          generated once
 *   endpoints.json         where everything listens and where the secrets are (written by up, removed by down)
 *   stack.properties       ports of the last up (read by status and down)
 *   kafka/                 cluster.id, data/ (the KRaft log, formatted on the first up)
 *   s3/                    data/ (one directory per bucket)
 *   postgres/              data/ (PGDATA), ready (marker written by its Serve process),
 *                          binaries/PG-&lt;hash&gt;/ (the PostgreSQL binaries, extracted on the first up)
 *   tmp/                   java.io.tmpdir of every process the stack starts (nothing of it lands in /tmp)
 *   logs/&lt;component&gt;.log   stdout+stderr of each process
 *   pids/&lt;component&gt;.pid    pid of each process up started (for postgres: the postmaster's, once it is ready)
 * </pre>
 */
final class Layout {
    final Path state;

    Layout(Path state) {
        this.state = state;
    }

    /** Creates the directory tree and returns a layout on its canonical path (markers compare paths as text). */
    static Layout create(Path state) throws IOException {
        Files.createDirectories(state);
        Layout l = new Layout(state.toRealPath());
        for (Path d : new Path[] {l.logs(), l.pids(), l.kafka(), l.s3(), l.postgres(), l.tmp()}) {
            Files.createDirectories(d);
        }
        Secrets.privateDirectory(l.secrets());
        return l;
    }

    /** A layout for reading (status, down, logs): does not create anything. */
    static Layout existing(Path state) {
        try {
            return new Layout(Files.exists(state) ? state.toRealPath() : state.toAbsolutePath().normalize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path logs() { return state.resolve("logs"); }
    Path log(String component) { return logs().resolve(component + ".log"); }
    Path pids() { return state.resolve("pids"); }
    Path pidFile(String component) { return pids().resolve(component + ".pid"); }
    Path kafka() { return state.resolve("kafka"); }
    Path s3() { return state.resolve("s3"); }
    Path postgres() { return state.resolve("postgres"); }
    Path postgresData() { return postgres().resolve("data"); }
    Path postgresReady() { return postgres().resolve("ready"); }
    /** Not the parent of {@link #postgresData()}: zonky sweeps its working directory for stale data directories. */
    Path postgresBinaries() { return postgres().resolve("binaries"); }
    Path tmp() { return state.resolve("tmp"); }
    /** Every child JVM's temporary files go under the state directory (Java ignores TMPDIR). */
    String tmpDirFlag() { return "-Djava.io.tmpdir=" + tmp(); }
    /** Owner-only (700): the tokens, the S3 secret and the database password, each in a file of its own (600). */
    Path secrets() { return state.resolve("secrets"); }
    /** The bearer token of one role ({@link Secrets#ROLES}). */
    Path tokenFile(String role) { return secrets().resolve(role + ".token"); }
    Path adminTokenFile() { return tokenFile("admin"); }
    Path s3CredentialFile() { return secrets().resolve("s3.secret"); }
    /** The password of PostgreSQL's superuser, which every connection needs. */
    Path postgresPasswordFile() { return secrets().resolve("postgres.password"); }
    /** Where earlier versions kept a secret, moved into {@link #secrets()} on the next up. */
    Path legacyAdminTokenFile() { return state.resolve("admin.token"); }
    Path legacyS3CredentialFile() { return s3().resolve("credential"); }
    Path endpointsFile() { return state.resolve("endpoints.json"); }
    Path stackProperties() { return state.resolve("stack.properties"); }

    /** The JVM flags that tag every process of this stack, so that down never kills a stranger. */
    String stateMarker() { return "-Dsculptor.local.state=" + state; }
    static String componentMarker(String component) { return "-Dsculptor.local.component=" + component; }

    static void writeAtomically(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Serialises up and down on one state directory (a second one waits). Closing the channel releases the lock;
     * child processes do not inherit it (the JDK closes other descriptors when it starts a process).
     */
    java.nio.channels.FileChannel lock(java.io.PrintWriter out) throws IOException {
        var ch = java.nio.channels.FileChannel.open(state.resolve(".lock"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        if (ch.tryLock() == null) {
            out.println("sculptor local: waiting for another up/down on " + state + " ...");
            out.flush();
            ch.lock();
        }
        return ch;
    }

    /** The components that have a pid file, sorted. */
    List<String> pidComponents() {
        return names(pids(), ".pid");
    }

    /** The components that have a log, sorted. */
    List<String> logComponents() {
        return names(logs(), ".log");
    }

    private static List<String> names(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    Properties loadStack() {
        Properties p = new Properties();
        if (Files.isRegularFile(stackProperties())) {
            try (var r = Files.newBufferedReader(stackProperties())) {
                p.load(r);
            } catch (IOException e) {
                // A damaged file only loses the remembered ports.
            }
        }
        return p;
    }

    void saveStack(Properties p) throws IOException {
        var sb = new StringBuilder("# Written by `up`: the ports the local stack was started with.\n");
        p.stringPropertyNames().stream().sorted().forEach(k -> sb.append(k).append('=').append(p.getProperty(k)).append('\n'));
        writeAtomically(stackProperties(), sb.toString());
    }
}
