package dev.sculptor.evaluation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.Evaluation;
import dev.sculptor.api.v1.EvaluationCompleted;
import dev.sculptor.api.v1.EvaluationRequested;
import dev.sculptor.api.v1.GetEvaluationRequest;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka worker: EvaluationRequested in, EvaluationCompleted out, on a real broker. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = EvaluationGrpcTest.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "evaluation"))
class EvaluationWorkerTest {
    static EventPublisher publisher;

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void producer() {
        publisher = new EventPublisher(KafkaResource.bootstrapServers(), "evaluation-test", Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() {
        publisher.close();
    }

    static EventEnvelope request(String ceId, String evaluation, String job, String version) {
        Instant now = Instant.now();
        EvaluationRequested r = EvaluationRequested.newBuilder().setEvaluation(evaluation).setPruneJob(job).setModelVersion(version)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist").setTestSubset(50))
                .setOccurredTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond())).build();
        return new EventEnvelope(ceId, EventEnvelope.typeOf(r), "/sculptor/test", now, evaluation, job.isEmpty() ? evaluation : job,
                r.toByteArray());
    }

    /** Every EvaluationCompleted for the evaluation, waiting until at least {@code atLeast} arrived. */
    static List<ConsumerRecord<byte[], byte[]>> completions(String evaluation, int atLeast) {
        return await(atLeast + " EvaluationCompleted for " + evaluation).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(),
                            Topics.EVALUATION_EVENTS)) {
                        if (EvaluationCompleted.parseFrom(r.value()).getEvaluation().equals(evaluation)) {
                            out.add(r);
                        }
                    }
                    return out;
                }, out -> out.size() >= atLeast);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aRequestSentTwiceCompletesOnce() throws Exception {
        String model = "wk-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 5, null);
        String version = "models/" + model + "/versions/1";
        String job = "pruneJobs/" + model;
        String first = "evaluations/" + model + "-a";
        String ceId = UUID.randomUUID().toString();
        publisher.publish(Topics.EVALUATION_REQUESTS, request(ceId, first, job, version));
        publisher.publish(Topics.EVALUATION_REQUESTS, request(ceId, first, job, version));
        // the same evaluation asked for again under a new event id creates nothing new either
        publisher.publish(Topics.EVALUATION_REQUESTS, request(UUID.randomUUID().toString(), first, job, version));
        // a later request on the same partition: once it completed, the duplicates were read
        String second = "evaluations/" + model + "-b";
        publisher.publish(Topics.EVALUATION_REQUESTS, request(UUID.randomUUID().toString(), second, job, version));
        assertEquals(1, completions(second, 1).size());

        List<ConsumerRecord<byte[], byte[]>> done = completions(first, 1);
        assertEquals(1, done.size(), "exactly one EvaluationCompleted");
        ConsumerRecord<byte[], byte[]> r = done.get(0);
        assertEquals(job, new String(r.key(), StandardCharsets.UTF_8));
        assertEquals("sculptor.v1.EvaluationCompleted", header(r, "ce_type"));
        assertEquals(first, header(r, "ce_subject"));
        EvaluationCompleted c = EvaluationCompleted.parseFrom(r.value());
        assertEquals(Evaluation.State.SUCCEEDED, c.getStatus(), c.getFailureReason());
        assertEquals(version, c.getModelVersion());
        assertEquals(job, c.getPruneJob());
        assertEquals(50, c.getMetrics().getEvaluatedExamples());
        assertTrue(c.getMetrics().getAccuracy() >= 0 && c.getMetrics().getAccuracy() <= 1);
        assertEquals(ModelStats.of(TestCheckpoints.TINY).flops(), c.getMetrics().getFlops());

        try (EvalClient client = new EvalClient(url.getPort())) {
            Evaluation e = client.blocking("read-token").getEvaluation(GetEvaluationRequest.newBuilder().setName(first).build());
            assertEquals(Evaluation.State.SUCCEEDED, e.getState());
            assertEquals(c.getMetrics(), e.getMetrics());
            assertEquals(job, e.getPruneJob());
        }
    }

    @Test
    void poisonGoesToTheDeadLetterTopicAndTheNextRequestIsStillServed() throws Exception {
        String model = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 6, null);
        String version = "models/" + model + "/versions/1";
        String dlq = Topics.dlq(Topics.EVALUATION_REQUESTS);

        // no CloudEvents headers at all
        publisher.send(new ProducerRecord<>(Topics.EVALUATION_REQUESTS, "poison-" + model, "not protobuf".getBytes(StandardCharsets.UTF_8)));
        // proper headers, but the payload is not an EvaluationRequested
        EventEnvelope good = request(UUID.randomUUID().toString(), "evaluations/x", "", version);
        publisher.publish(Topics.EVALUATION_REQUESTS, new EventEnvelope(UUID.randomUUID().toString(), good.type(), good.source(),
                good.time(), good.subject(), "garbled-" + model, new byte[] {(byte) 0xff, 0x01, 0x02}));
        // a valid request for a version that does not exist: not poison, it fails and says so
        String ghost = "evaluations/" + model + "-ghost";
        publisher.publish(Topics.EVALUATION_REQUESTS, request(UUID.randomUUID().toString(), ghost, "", "models/" + model + "/versions/9"));
        String next = "evaluations/" + model + "-next";
        publisher.publish(Topics.EVALUATION_REQUESTS, request(UUID.randomUUID().toString(), next, "", version));

        EvaluationCompleted ok = EvaluationCompleted.parseFrom(completions(next, 1).get(0).value());
        assertEquals(Evaluation.State.SUCCEEDED, ok.getStatus(), ok.getFailureReason());
        List<ConsumerRecord<byte[], byte[]>> failed = completions(ghost, 1);
        assertEquals(ghost, new String(failed.get(0).key(), StandardCharsets.UTF_8), "no job: keyed by the evaluation");
        EvaluationCompleted f = EvaluationCompleted.parseFrom(failed.get(0).value());
        assertEquals(Evaluation.State.FAILED, f.getStatus());
        assertEquals("models/" + model + "/versions/9 not found", f.getFailureReason());

        List<ConsumerRecord<byte[], byte[]>> dead = await("both dead letters of " + model).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), dlq).stream()
                        .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).endsWith(model)).toList(),
                        d -> d.size() >= 2);
        assertEquals(2, dead.size());
        assertEquals("poison-" + model, new String(dead.get(0).key(), StandardCharsets.UTF_8));
        assertEquals("missing CloudEvents header ce_id", header(dead.get(0), "dlq-reason"));
        assertEquals(Topics.EVALUATION_REQUESTS, header(dead.get(0), "dlq-original-topic"));
        assertTrue(header(dead.get(1), "dlq-reason").startsWith("payload is not a sculptor.v1.EvaluationRequested"),
                header(dead.get(1), "dlq-reason"));
    }
}
