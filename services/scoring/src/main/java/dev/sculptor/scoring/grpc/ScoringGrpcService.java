package dev.sculptor.scoring.grpc;

import dev.sculptor.api.v1.ScoreModelRequest;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.api.v1.Scoring;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.grpc.GrpcCalls;
import dev.sculptor.scoring.service.Failures;
import dev.sculptor.scoring.service.VersionScorer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** The Scoring gRPC API, for people and tools; prune jobs ask through Kafka. Nothing is stored. */
@GrpcService
public class ScoringGrpcService implements Scoring {
    private static final Logger LOG = Logger.getLogger(ScoringGrpcService.class);

    @Inject
    VersionScorer scorer;

    @Override
    @Blocking
    public Uni<ScoreModelResponse> scoreModel(ScoreModelRequest r) {
        return GrpcCalls.call(() -> {
            if (r.getMaxSamples() < 0) {
                throw PlatformException.invalid("max_samples", "must be >= 0, got " + r.getMaxSamples());
            }
            VersionScorer.Scored s = scorer.score("model_version", r.getModelVersion(), Mapper.method(r.getMethod()));
            return Mapper.response(s.version(), s.scores());
        }, ScoringGrpcService::status);
    }

    /** Canonical gRPC status for an error, with the message naming what was wrong. */
    static Throwable status(Throwable e) {
        return GrpcCalls.status(e, Failures::classify, LOG);
    }
}
