package dev.sculptor.evaluation.service;

import com.google.protobuf.Message;
import dev.sculptor.evaluation.events.EvaluationEvents;
import dev.sculptor.evaluation.events.OutboxRunner;
import dev.sculptor.evaluation.store.EvaluationRepository;
import dev.sculptor.evaluation.store.EvaluationRow;
import dev.sculptor.platform.datasets.DatasetResolver;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.outbox.Ended;
import dev.sculptor.platform.requests.RequestBodies;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.platform.versions.ResolvedVersion;
import dev.sculptor.platform.versions.VersionCheckout;
import dev.sculptor.platform.versions.VersionSource;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs evaluations for the gRPC API and the Kafka worker: resolve the version and the dataset,
 * record the evaluation, check the version out and measure it with the engine, and end the
 * evaluation together with its {@code EvaluationCompleted} event.
 */
@ApplicationScoped
public class Evaluations {
    private static final Logger LOG = Logger.getLogger(Evaluations.class);
    public static final int DEFAULT_BATCH = 256;
    public static final int MAX_BATCH = 4096;

    @Inject
    VersionSource versions;

    @Inject
    CheckpointStore store;

    @Inject
    DatasetResolver datasets;

    @Inject
    EvaluationRepository repo;

    @Inject
    OutboxRunner outbox;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "sculptor.evaluation.latency-runs", defaultValue = "10")
    int latencyRuns;

    @ConfigProperty(name = "sculptor.evaluation.max-concurrent", defaultValue = "1")
    int maxConcurrent;

    @ConfigProperty(name = "sculptor.evaluation.work-dir", defaultValue = "${java.io.tmpdir}/sculptor-evaluation")
    Path workDir;

    private Measurer measurer;
    private Semaphore permits;

    @PostConstruct
    void init() {
        measurer = new Measurer(latencyRuns);
        permits = new Semaphore(Math.max(1, maxConcurrent), true);
    }

    /** What to measure. */
    public record Request(String modelVersion, String datasetUri, int testSubset, int batchSize, boolean latency) {
        public int batch() {
            return batchSize == 0 ? DEFAULT_BATCH : batchSize;
        }
    }

    /** A request whose version and dataset were found. */
    public record Prepared(ResolvedVersion version, ResolvedDataset data) {}

    /**
     * An evaluation after a call: the stored row; when measured just now, the measurement (which also
     * carries the manifest's lineage method); when it failed just now, why.
     */
    public record Outcome(EvaluationRow row, Measurement fresh, ResolvedVersion version, PlatformException failure) {}

    /** Checks the request's fields; field names are those of the request message. */
    public static void validate(Request r, String versionField) {
        if (r.modelVersion() == null || r.modelVersion().isEmpty()) {
            throw PlatformException.invalid(versionField, "is required (models/{model}/versions/{version})");
        }
        if (r.datasetUri() == null || r.datasetUri().isBlank()) {
            throw PlatformException.invalid("dataset.uri", "is required, e.g. fashion-mnist or cifar10:s3://bucket/prefix");
        }
        if (r.testSubset() < 0) {
            throw PlatformException.invalid("dataset.test_subset", "must be >= 0, got " + r.testSubset());
        }
        if (r.batchSize() < 0 || r.batchSize() > MAX_BATCH) {
            throw PlatformException.invalid("batch_size", "must be in [0, " + MAX_BATCH + "], got " + r.batchSize());
        }
    }

    public ResolvedDataset dataset(String uri) {
        try {
            return datasets.resolve(uri, EnumSet.of(DatasetResolver.Split.TEST));
        } catch (RuntimeException e) {
            throw Failures.classify(e);
        }
    }

    public ResolvedVersion version(String field, String name) {
        try {
            return versions.resolve(field, name);
        } catch (RuntimeException e) {
            throw Failures.classify(e);
        }
    }

    /**
     * Evaluate: measures now and waits. A repeated {@code requestId} returns the first call's evaluation, as long as
     * the body is the same; ALREADY_EXISTS naming the fields that differ otherwise (AIP-155).
     *
     * @param body the call as it came, kept beside {@code requestId} and compared with the first call's when it is reused
     */
    public Outcome evaluate(Request r, String requestId, Message body) {
        validate(r, "model_version");
        if (requestId != null) {
            var earlier = repo.findByRequestId(requestId);
            if (earlier.isPresent()) {
                RequestBodies.requireSame(requestId, body, repo.requestBody(requestId));
                return new Outcome(earlier.get(), null, null, null);
            }
        }
        Prepared p = new Prepared(version("model_version", r.modelVersion()), dataset(r.datasetUri()));
        return evaluatePrepared(r, p, requestId, body);
    }

    /**
     * Records and measures an evaluation whose version and dataset are known; failures end it FAILED and are thrown.
     * {@code body} (the call, for a {@code requestId}) is stored with the request id; null with none.
     */
    public Outcome evaluatePrepared(Request r, Prepared p, String requestId, Message body) {
        String id = UUID.randomUUID().toString();
        EvaluationRow row = repo.start(id, p.version().name(), r.datasetUri().trim(), r.testSubset(), "", requestId,
                requestId == null || body == null ? null : RequestBodies.body(body));
        if (!row.id().equals(id)) {
            if (body != null) {
                RequestBodies.requireSame(requestId, body, repo.requestBody(requestId)); // a concurrent call with the same id won
            }
            return new Outcome(row, null, p.version(), null);
        }
        Outcome o = complete(row, p, r, null, "grpc");
        if (o.failure() != null) {
            throw o.failure();
        }
        return o;
    }

    /**
     * The Kafka worker's path: the requester named the evaluation. An evaluation that already ended
     * is not measured again and sends no second event. Failures that may pass (a part is down) are
     * thrown for the consumer to retry; others end the evaluation FAILED with the reason.
     */
    public void handleRequest(String id, String pruneJob, Request r, String requestEventId) {
        var existing = repo.find(id);
        if (existing.isPresent() && existing.get().terminal()) {
            LOG.infof("evaluations/%s already %s; request event %s changes nothing", id, existing.get().state(), requestEventId);
            repo.markProcessed(requestEventId);
            return;
        }
        EvaluationRow row = repo.start(id, r.modelVersion() == null ? "" : r.modelVersion(),
                r.datasetUri() == null ? "" : r.datasetUri().trim(), Math.max(0, r.testSubset()), pruneJob, null, null);
        Prepared p;
        try {
            validate(r, "model_version");
            p = new Prepared(version("model_version", r.modelVersion()), dataset(r.datasetUri()));
        } catch (PlatformException e) {
            if (e.transientFailure()) {
                throw e;
            }
            end(row, EvaluationRow.FAILED, e.getMessage(), null, requestEventId, "kafka");
            return;
        }
        complete(row, p, r, requestEventId, "kafka");
    }

    private Outcome complete(EvaluationRow row, Prepared p, Request r, String requestEventId, String via) {
        Measurement m;
        try {
            m = measure(p, r);
        } catch (RuntimeException e) {
            PlatformException ee = Failures.classify(e);
            if (ee.code() == PlatformException.Code.INTERNAL) {
                LOG.errorf(e, "evaluations/%s failed", row.id());
            }
            if (ee.transientFailure() && requestEventId != null) {
                throw ee; // the consumer retries; the evaluation stays RUNNING meanwhile
            }
            return new Outcome(end(row, EvaluationRow.FAILED, ee.getMessage(), null, requestEventId, via), null, p.version(), ee);
        }
        return new Outcome(end(row, EvaluationRow.SUCCEEDED, "", m, requestEventId, via), m, p.version(), null);
    }

    private EvaluationRow end(EvaluationRow row, String state, String message, Measurement m, String requestEventId, String via) {
        Ended<EvaluationRow> f = repo.finish(row.id(), state, message, m, EvaluationEvents::completed,
                Topics.EVALUATION_EVENTS, requestEventId);
        if (f.ended()) {
            outbox.wakeUp();
            meters.counter("sculptor.evaluations", "via", via, "state", state.toLowerCase()).increment();
            LOG.infof("evaluations/%s of %s %s%s", row.id(), row.modelVersion(), state, message.isEmpty() ? "" : ": " + message);
        }
        return f.row();
    }

    /** Checks the version out and measures it, one evaluation per permit. */
    Measurement measure(Prepared p, Request r) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PlatformException.unavailable("interrupted while waiting to evaluate", e);
        }
        try (VersionCheckout checkout = VersionCheckout.open(store, p.version(), workDir)) {
            long t0 = System.nanoTime();
            Measurement m = measurer.measure(p.version().name(), checkout, p.data(), r.testSubset(), r.batch(), r.latency());
            meters.timer("sculptor.evaluation.measure").record(java.time.Duration.ofNanos(System.nanoTime() - t0));
            return m;
        } finally {
            permits.release();
        }
    }
}
