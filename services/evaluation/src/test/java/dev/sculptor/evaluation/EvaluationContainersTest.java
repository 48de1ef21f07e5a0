package dev.sculptor.evaluation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.EvaluateRequest;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.GetEvaluationRequest;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.data.Datasets;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.platform.events.EventPublisher;
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
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link EvaluationGrpcTest}'s and {@link EvaluationWorkerTest}'s core against Kafka, MinIO and PostgreSQL in Docker:
 * Evaluate measures what the engine measures and keeps the evaluation, and a requested evaluation completes through
 * the outbox. Skipped, before Quarkus starts anything, where there is no Docker.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@WithTestResource(value = KafkaContainerResource.class, initArgs = @ResourceArg(name = "topics", value = EvaluationGrpcTest.TOPICS))
@WithTestResource(S3ContainerResource.class)
@WithTestResource(value = PostgresContainerResource.class, initArgs = @ResourceArg(name = "database", value = "evaluation"))
class EvaluationContainersTest {
    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    @Test
    void aVersionIsEvaluatedOverGrpcAndOverTheBroker() throws Exception {
        String model = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 7, null);
        String version = "models/" + model + "/versions/1";
        int subset = 100;

        try (EvalClient client = new EvalClient(url.getPort())) {
            Evaluation e = client.blocking(EvaluationGrpcTest.READ).evaluate(EvaluateRequest.newBuilder().setModelVersion(version)
                    .setDataset(EvaluationGrpcTest.fashion(subset)).setBatchSize(64).build());
            assertEquals(Evaluation.State.SUCCEEDED, e.getState(), e.getStateMessage());
            assertEquals(subset, e.getMetrics().getEvaluatedExamples());
            try (Network net = ModelCheckpoint.load(local).network()) {
                Evaluator.Result expected = Evaluator.evaluate(net,
                        new DataSpec(Datasets.FASHION_MNIST, Datasets.defaultDir(Datasets.FASHION_MNIST), 0, subset).test(), 64);
                assertEquals(expected.accuracy(), e.getMetrics().getAccuracy(), 0.0);
                assertEquals(expected.loss(), e.getMetrics().getLoss(), 1e-9);
            }
            assertEquals(e, client.blocking(EvaluationGrpcTest.READ).getEvaluation(GetEvaluationRequest.newBuilder()
                    .setName(e.getName()).build()), "kept in PostgreSQL");

            String requested = "evaluations/" + model + "-requested";
            String job = "pruneJobs/" + model;
            try (EventPublisher publisher = new EventPublisher(kafka, "evaluation-containers-test", Duration.ofSeconds(30))) {
                publisher.publish(Topics.EVALUATION_REQUESTS, EvaluationWorkerTest.request(UUID.randomUUID().toString(), requested, job, version));
            }
            EvaluationCompleted done = await("EvaluationCompleted for " + requested).atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500)).until(() -> completed(requested), Optional::isPresent).get();
            assertEquals(Evaluation.State.SUCCEEDED, done.getStatus(), done.getFailureReason());
            assertEquals(done.getMetrics(), client.blocking(EvaluationGrpcTest.READ).getEvaluation(GetEvaluationRequest.newBuilder()
                    .setName(requested).build()).getMetrics());
        }
    }

    Optional<EvaluationCompleted> completed(String evaluation) throws Exception {
        for (var r : EmbeddedKafka.consumeAll(kafka, Topics.EVALUATION_EVENTS)) {
            EvaluationCompleted c = EvaluationCompleted.parseFrom(r.value());
            if (c.getEvaluation().equals(evaluation)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
