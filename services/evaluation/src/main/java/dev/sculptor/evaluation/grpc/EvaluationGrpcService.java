package dev.sculptor.evaluation.grpc;

import dev.sculptor.api.v1.CompareVersionsRequest;
import dev.sculptor.api.v1.CompareVersionsResponse;
import dev.sculptor.api.v1.ComparisonRow;
import dev.sculptor.api.v1.EvaluateRequest;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationService;
import dev.sculptor.api.v1.GetEvaluationRequest;
import dev.sculptor.api.v1.ListEvaluationsRequest;
import dev.sculptor.api.v1.ListEvaluationsResponse;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.evaluation.service.Evaluations;
import dev.sculptor.evaluation.service.Failures;
import dev.sculptor.evaluation.store.EvaluationRepository;
import dev.sculptor.evaluation.store.EvaluationRow;
import dev.sculptor.platform.datasets.ResolvedDataset;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.platform.grpc.PageTokens;
import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.names.VersionName;
import dev.sculptor.platform.store.ListFilter;
import dev.sculptor.platform.versions.ResolvedVersion;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/** The EvaluationService gRPC API: validation, names and wire types around {@link Evaluations}. */
@GrpcService
public class EvaluationGrpcService implements EvaluationService {
    private static final Logger LOG = Logger.getLogger(EvaluationGrpcService.class);
    static final int MAX_COMPARED = 20;

    @Inject
    Evaluations evaluations;

    @Inject
    EvaluationRepository repo;

    @Override
    @Blocking
    public Uni<Evaluation> evaluate(EvaluateRequest r) {
        return call(() -> {
            // the name is checked before the request id is looked up
            if (!r.getModelVersion().isEmpty()) {
                VersionName.parse("model_version", r.getModelVersion());
            }
            String requestId = r.getRequestId().isBlank() ? null : r.getRequestId().trim();
            Evaluations.Request req = new Evaluations.Request(r.getModelVersion(), r.getDataset().getUri(),
                    r.getDataset().getTestSubset(), r.getBatchSize(), r.getMeasureLatency());
            return Mapper.evaluation(evaluations.evaluate(req, requestId, r).row());
        });
    }

    @Override
    @Blocking
    public Uni<CompareVersionsResponse> compareVersions(CompareVersionsRequest r) {
        return call(() -> {
            int n = r.getModelVersionsCount();
            if (n < 1 || n > MAX_COMPARED) {
                throw PlatformException.invalid("model_versions", "give 1 to " + MAX_COMPARED + " versions, got " + n);
            }
            List<Evaluations.Request> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Evaluations.Request req = new Evaluations.Request(r.getModelVersions(i), r.getDataset().getUri(),
                        r.getDataset().getTestSubset(), r.getBatchSize(), r.getMeasureLatency());
                Evaluations.validate(req, "model_versions[" + i + "]");
                VersionName.parse("model_versions[" + i + "]", r.getModelVersions(i));
                requests.add(req);
            }
            // find everything before measuring anything
            ResolvedDataset data = evaluations.dataset(r.getDataset().getUri());
            List<ResolvedVersion> versions = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                versions.add(evaluations.version("model_versions[" + i + "]", r.getModelVersions(i)));
            }
            CompareVersionsResponse.Builder out = CompareVersionsResponse.newBuilder();
            ModelMetrics base = null;
            for (int i = 0; i < n; i++) {
                Evaluations.Outcome o = evaluations.evaluatePrepared(requests.get(i), new Evaluations.Prepared(versions.get(i), data), null,
                        null);
                ModelMetrics m = Mapper.metrics(o.fresh());
                if (i == 0) {
                    base = m;
                }
                out.addRows(row(o, m, base, i == 0));
            }
            return out.build();
        });
    }

    /** One row; the deltas are the contract's ratios against the first (baseline) row. */
    private static ComparisonRow row(Evaluations.Outcome o, ModelMetrics m, ModelMetrics base, boolean baseline) {
        ResolvedVersion v = o.version();
        String method = v.method() != null ? v.method() : o.fresh().method();
        ComparisonRow.Builder b = ComparisonRow.newBuilder()
                .setModelVersion(o.row().modelVersion())
                .setEvaluation(o.row().name())
                .setArchName(o.fresh().archName() == null ? "" : o.fresh().archName())
                .setMethod(baseline || method == null ? "" : method)
                .setRetrainMode(v.retrainMode() == null ? RetrainMode.RETRAIN_MODE_UNSPECIFIED : RetrainMode.valueOf(v.retrainMode()))
                .setMetrics(m);
        if (!baseline) {
            b.setAccuracyDelta(m.getAccuracy() - base.getAccuracy());
            b.setParamsReduction(reduction(m.getParams(), base.getParams()));
            b.setFlopsReduction(reduction(m.getFlops(), base.getFlops()));
            if (m.hasLatencyMs() && base.hasLatencyMs() && m.getLatencyMs() > 0) {
                b.setSpeedup(base.getLatencyMs() / m.getLatencyMs());
            }
        } else if (m.hasLatencyMs()) {
            b.setSpeedup(1.0);
        }
        return b.build();
    }

    /** Fraction of the baseline removed, clamped to [0, 1] as the contract states (a larger model removes nothing). */
    private static double reduction(long value, long baseline) {
        return baseline <= 0 ? 0 : Math.min(1, Math.max(0, 1 - (double) value / baseline));
    }

    @Override
    @Blocking
    public Uni<Evaluation> getEvaluation(GetEvaluationRequest r) {
        return call(() -> {
            String id = ResourceNames.EVALUATIONS.id("name", r.getName());
            return Mapper.evaluation(repo.find(id).orElseThrow(() -> PlatformException.notFound("evaluations/" + id)));
        });
    }

    @Override
    @Blocking
    public Uni<ListEvaluationsResponse> listEvaluations(ListEvaluationsRequest r) {
        return call(() -> {
            int size = PageTokens.pageSize(r.getPageSize());
            ListFilter filter = EvaluationRepository.FILTERABLE.parse(r.getFilter());
            long before = PageTokens.decodeLong(r.getPageToken(), r.getFilter());
            List<EvaluationRow> rows = repo.list(size + 1, before, filter);
            ListEvaluationsResponse.Builder b = ListEvaluationsResponse.newBuilder();
            rows.stream().limit(size).forEach(row -> b.addEvaluations(Mapper.evaluation(row)));
            if (rows.size() > size) {
                b.setNextPageToken(PageTokens.encode(rows.get(size - 1).seq(), r.getFilter()));
            }
            return b.build();
        });
    }

    private static <T> Uni<T> call(Supplier<T> work) {
        return GrpcCalls.call(work, EvaluationGrpcService::status);
    }

    /** Canonical gRPC status for an error, with the message naming what was wrong. */
    static Throwable status(Throwable e) {
        return GrpcCalls.status(e, Failures::classify, LOG);
    }
}
