package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaContainerResource;
import dev.sculptor.testing.PostgresContainerResource;
import dev.sculptor.testing.S3ContainerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link CreateTrainingRunTest}'s core against Kafka, MinIO and PostgreSQL in Docker: a created run goes over the
 * broker to the worker, trains one tiny epoch, lands its checkpoint in MinIO and reports completion through the
 * outbox. Skipped, before Quarkus starts anything, where there is no Docker.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@WithTestResource(value = KafkaContainerResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3ContainerResource.class)
@WithTestResource(value = PostgresContainerResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
class TrainingContainersTest {
    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    @Test
    void aCreatedRunTrainsOneEpochAgainstTheContainers() throws Exception {
        String id = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        String name = "trainingRuns/" + id;
        try (TrainClient client = new TrainClient(url.getPort())) {
            TrainingRun created = client.blocking("write-token").createTrainingRun(CreateTrainingRunRequest.newBuilder()
                    .setTrainingRun(CreateTrainingRunTest.lenetRun()).setTrainingRunId(id).build());
            assertEquals(TrainingRun.State.QUEUED, created.getState());

            TrainingCompleted c = await("TrainingCompleted for " + name).atMost(CreateTrainingRunTest.WAIT)
                    .pollInterval(Duration.ofMillis(500)).until(() -> completed(name), Optional::isPresent).get();
            assertEquals(TrainingRun.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
            assertEquals(1, c.getEpochs());
            assertEquals(64, c.getMetrics().getEvaluatedExamples());

            TrainingRun done = client.blocking("read-token").getTrainingRun(GetTrainingRunRequest.newBuilder().setName(name).build());
            assertEquals(TrainingRun.State.SUCCEEDED, done.getState());
            assertEquals(c.getOutputCheckpoint(), done.getOutputCheckpoint());

            String prefix = c.getOutputCheckpoint().getUri().substring(("s3://" + store.bucket() + "/").length());
            store.getDirectory(prefix, tmp.resolve("final"));
            ModelCheckpoint.Loaded out = ModelCheckpoint.load(tmp.resolve("final"));
            try (Network net = out.network()) {
                assertEquals(List.of(6, 16), net.spec().convWidths());
                assertEquals(c.getMetrics().getAccuracy(), out.manifest().metrics().get("accuracy"), 1e-12);
            }
        }
    }

    Optional<TrainingCompleted> completed(String run) throws Exception {
        for (var r : EmbeddedKafka.consumeAll(kafka, Topics.TRAINING_EVENTS)) {
            if (run.equals(Fixtures.header(r, "ce_subject")) && "sculptor.v1.TrainingCompleted".equals(Fixtures.header(r, "ce_type"))) {
                return Optional.of(TrainingCompleted.parseFrom(r.value()));
            }
        }
        return Optional.empty();
    }
}
