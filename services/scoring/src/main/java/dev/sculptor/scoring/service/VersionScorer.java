package dev.sculptor.scoring.service;

import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.versions.ResolvedVersion;
import dev.sculptor.platform.versions.VersionSource;
import dev.sculptor.scoring.service.ScoringException.Code;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Scores a model version: resolve it, download its checkpoint, load it (verifying digests), score it with the engine. */
@ApplicationScoped
public class VersionScorer {
    @Inject
    VersionSource versions;

    @Inject
    CheckpointStore store;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "sculptor.scoring.max-concurrent", defaultValue = "1")
    int maxConcurrent;

    @ConfigProperty(name = "sculptor.scoring.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-scoring")
    Path workDir;

    private Semaphore permits;

    @PostConstruct
    void init() {
        permits = new Semaphore(Math.max(1, maxConcurrent), true);
    }

    /** A version's scores, with the version's numbered name. */
    public record Scored(String version, Scores scores) {}

    /**
     * @param field the request field naming the version, for error messages
     * @throws ScoringException with the status code of any failure
     */
    public Scored score(String field, String versionName, MethodChoice method) {
        try {
            if (method.method() == null || method.method().isEmpty() || method.method().equals("PRUNING_METHOD_UNSPECIFIED")) {
                throw ScoringException.invalid("method.method", "is required");
            }
            ResolvedVersion v = versions.resolve(field, versionName);
            Scores s = scoreCheckpoint(v, method);
            meters.counter("sculptor.scorings", "method", method.method(), "outcome", "scored").increment();
            return new Scored(v.name(), s);
        } catch (RuntimeException e) {
            ScoringException se = Failures.classify(e);
            meters.counter("sculptor.scorings", "method", String.valueOf(method.method()), "outcome", se.code().name().toLowerCase())
                    .increment();
            throw se;
        }
    }

    private Scores scoreCheckpoint(ResolvedVersion v, MethodChoice method) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScoringException(Code.UNAVAILABLE, "interrupted while waiting to score", e);
        }
        Path dir = null;
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "checkpoint-");
            store.getDirectory(v.prefix(), dir);
            if (v.manifestSha256() != null) {
                String actual = CheckpointStore.sha256(dir.resolve("manifest.json"));
                if (!actual.equalsIgnoreCase(v.manifestSha256())) {
                    throw new ScoringException(Code.FAILED_PRECONDITION, store.uri(v.prefix() + "manifest.json") + " has SHA-256 "
                            + actual + " but the registry recorded " + v.manifestSha256());
                }
            }
            ModelCheckpoint.Loaded loaded;
            try {
                loaded = ModelCheckpoint.load(dir);
            } catch (CheckpointException e) {
                // name the stored object, not this worker's temporary copy
                String where = store.uri(v.prefix());
                throw new CheckpointException(e.getMessage().replace(dir + "/", where).replace(dir.toString(), where), e);
            }
            try (Network net = loaded.network()) {
                return EngineScorer.score(net, method);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the work directory " + workDir + ": " + e.getMessage(), e);
        } finally {
            permits.release();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
