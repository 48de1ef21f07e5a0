package dev.sculptor.scoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.ScoreModelRequest;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.engine.prune.Importances;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaContainerResource;
import dev.sculptor.testing.S3ContainerResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link ScoringTest}'s core against Kafka and MinIO in Docker: ScoreModel answers with the engine's numbers, and a
 * ScoringRequested on the broker is answered with a ScoresComputed. Skipped, before Quarkus starts anything, where
 * there is no Docker.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@WithTestResource(value = KafkaContainerResource.class, initArgs = @ResourceArg(name = "topics",
        value = "sculptor.scoring.requests.v1,sculptor.scoring.events.v1,sculptor.scoring.requests.v1.dlq"))
@WithTestResource(S3ContainerResource.class)
class ScoringContainersTest {
    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    @Test
    void aVersionIsScoredOverGrpcAndOverTheBroker() throws Exception {
        String model = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 21, null);
        String version = "models/" + model + "/versions/1";
        MethodSpec l1 = MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.5).build();

        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", url.getPort()).usePlaintext().build();
        try {
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer read-token");
            ScoreModelResponse scored = dev.sculptor.api.v1.ScoringGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .scoreModel(ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(l1).build());
            assertEquals(version, scored.getModelVersion());
            ScoringTest.assertScores(ScoringTest.engineScores(local, Importances.l1FilterNorm()),
                    ScoringTest.engineKept(local, new L1NormPruning(null, 0.5, Map.of(), Set.of())), scored.getChannelScoresList());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        String job = "pruneJobs/" + model;
        try (EventPublisher publisher = new EventPublisher(kafka, "scoring-containers-test", Duration.ofSeconds(30))) {
            publisher.publish(Topics.SCORING_REQUESTS, ScoringTest.request(UUID.randomUUID().toString(), job, version, l1));
        }
        ScoresComputed done = await("ScoresComputed for " + job).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> computed(job), Optional::isPresent).get();
        assertEquals("", done.getFailureReason());
        assertEquals(store.uri("jobs/" + model + "/scores/"), done.getScoresUri());
    }

    Optional<ScoresComputed> computed(String job) throws Exception {
        for (var r : EmbeddedKafka.consumeAll(kafka, Topics.SCORING_EVENTS)) {
            ScoresComputed c = ScoresComputed.parseFrom(r.value());
            if (c.getPruneJob().equals(job)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
