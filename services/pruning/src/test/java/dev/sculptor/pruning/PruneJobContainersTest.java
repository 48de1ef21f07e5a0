package dev.sculptor.pruning;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.EmbeddedS3;
import dev.sculptor.testing.KafkaContainerResource;
import dev.sculptor.testing.PostgresContainerResource;
import dev.sculptor.testing.S3ContainerResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link PruneJobApiTest}'s core against Kafka, MinIO and PostgreSQL in Docker: a created job is stored, listed and
 * asks for its scoring on the broker. The registry stays the {@link FakeRegistry} neighbour (on the JVM's embedded
 * S3), so the baseline is uploaded to its store. Skipped, before Quarkus starts anything, where there is no Docker.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@WithTestResource(value = KafkaContainerResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3ContainerResource.class)
@WithTestResource(value = PostgresContainerResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class PruneJobContainersTest {
    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "sculptor.registry.grpc")
    String registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @TempDir
    Path tmp;

    @Test
    void aCreatedJobIsStoredListedAndAsksForItsScoring() throws Exception {
        String model = Fixtures.unique("tc");
        CheckpointStore registryStore = new CheckpointStore(S3Resource.endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY,
                S3Resource.DEFAULT_BUCKET);
        try (Fixtures.Clients c = new Fixtures.Clients(url.getPort(), registry)) {
            Fixtures.createModel(c, model);
            ModelVersion v1 = Fixtures.registerBaseline(c, registryStore, tmp, model, 4);

            PruneJob created = c.pruning("write-token").createPruneJob(PruneJobApiTest.create(Fixtures.l1Job(v1.getName())));
            assertEquals(v1.getName(), created.getModelVersion());
            PruneJob stored = Fixtures.get(c, created.getName());
            assertEquals(created.getName(), stored.getName());
            assertEquals(created.getCreateTime(), stored.getCreateTime());
            assertEquals(List.of(created.getName()), c.pruning("read-token").listPruneJobs(ListPruneJobsRequest.newBuilder()
                    .setFilter("model_version = \"" + v1.getName() + "\"").build()).getPruneJobsList().stream().map(PruneJob::getName).toList());

            ScoringRequested asked = await("ScoringRequested keyed " + created.getName()).atMost(Fixtures.WAIT).pollInterval(Fixtures.POLL)
                    .until(() -> scoringRequest(created.getName()), Optional::isPresent).get();
            assertEquals(v1.getName(), asked.getModelVersion());
        }
    }

    Optional<ScoringRequested> scoringRequest(String job) throws Exception {
        for (var r : EmbeddedKafka.consumeAll(kafka, Topics.SCORING_REQUESTS)) {
            if (r.key() != null && job.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                return Optional.of(ScoringRequested.parseFrom(r.value()));
            }
        }
        return Optional.empty();
    }
}
