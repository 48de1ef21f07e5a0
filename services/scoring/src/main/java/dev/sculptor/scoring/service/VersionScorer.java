package dev.sculptor.scoring.service;

import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.versions.ResolvedVersion;
import dev.sculptor.platform.versions.VersionCheckout;
import dev.sculptor.platform.versions.VersionSource;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Scores a model version: resolve it, check it out (download, verify, load), score it with the engine. */
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

    /**
     * A version's scores, with the version's numbered name and the engine's plan they come from (which the
     * pruning step applies later, on the same checkpoint).
     */
    public record Scored(String version, Scores scores, PrunePlan plan) {}

    /**
     * @param field the request field naming the version, for error messages
     * @throws PlatformException with the status code of any failure
     */
    public Scored score(String field, String versionName, MethodChoice method) {
        try {
            if (method.method() == null || method.method().isEmpty() || method.method().equals("PRUNING_METHOD_UNSPECIFIED")) {
                throw PlatformException.invalid("method.method", "is required");
            }
            ResolvedVersion v = versions.resolve(field, versionName);
            EngineScorer.Scored s = scoreCheckpoint(v, method);
            meters.counter("sculptor.scorings", "method", method.method(), "outcome", "scored").increment();
            return new Scored(v.name(), s.scores(), s.plan());
        } catch (RuntimeException e) {
            PlatformException se = Failures.classify(e);
            meters.counter("sculptor.scorings", "method", String.valueOf(method.method()), "outcome", se.code().name().toLowerCase())
                    .increment();
            throw se;
        }
    }

    private EngineScorer.Scored scoreCheckpoint(ResolvedVersion v, MethodChoice method) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PlatformException.unavailable("interrupted while waiting to score", e);
        }
        try (VersionCheckout checkout = VersionCheckout.open(store, v, workDir)) {
            return EngineScorer.score(checkout.network(), method);
        } finally {
            permits.release();
        }
    }
}
