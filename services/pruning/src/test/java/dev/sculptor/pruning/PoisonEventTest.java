package dev.sculptor.pruning;

import static dev.sculptor.pruning.Fixtures.envelope;
import static dev.sculptor.pruning.Fixtures.header;
import static dev.sculptor.pruning.Fixtures.key;
import static dev.sculptor.pruning.Fixtures.l1Job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.pruning.Fixtures.Clients;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Records the worker can never handle go to the topic's dead-letter topic, and the saga goes on. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class PoisonEventTest extends PruningTestBase {
    @Test
    void poisonOnTheScoringTopicIsDeadLetteredAndAJobStillProgresses() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // no CloudEvents headers, garbage bytes
        publisher.send(new ProducerRecord<>(Topics.SCORING_EVENTS, "poison-" + tag, "not protobuf".getBytes(StandardCharsets.UTF_8)));
        // proper headers, a payload that is not a ScoresComputed
        EventEnvelope garbled = new EventEnvelope(UUID.randomUUID().toString(), "sculptor.v1.ScoresComputed", Fixtures.SOURCE,
                java.time.Instant.now(), "pruneJobs/x", "garbled-" + tag, new byte[] {(byte) 0xff, 0x01, 0x02});
        publisher.publish(Topics.SCORING_EVENTS, garbled);
        // a type that does not belong on the topic
        publisher.publish(Topics.SCORING_EVENTS, envelope(TrainingRequested.newBuilder().setTrainingRun("trainingRuns/x").build(),
                "trainingRuns/x", "stray-" + tag));

        String model = Fixtures.unique("poison");
        try (Clients c = new Clients(url.getPort(), registry); Network net = Network.create(Fixtures.LENET, 41)) {
            Fixtures.createModel(c, model);
            ModelVersion v1 = Fixtures.registerBaseline(c, store, tmp, model, net, null);
            PrunePlan plan = new L1NormPruning(null, 0.5, Map.of(), Set.of()).plan(net);
            PruneJob job = c.pruning("write-token").createPruneJob(CreatePruneJobRequest.newBuilder().setPruneJob(l1Job(v1.getName()))
                    .build());
            String uri = Fixtures.writeScores(store, tmp, job.getName(), v1.getName(), plan);
            publisher.publish(Topics.SCORING_EVENTS, envelope(Fixtures.scoresComputed(job.getName(), v1.getName(), uri), job.getName(),
                    job.getName()));
            PruneJob training = Fixtures.awaitState(c, job.getName(), PruneJob.State.TRAINING);
            assertEquals("models/" + model + "/versions/2", training.getPrunedVersion());
        }

        String dlq = Topics.dlq(Topics.SCORING_EVENTS);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        Fixtures.await("three dead letters on " + dlq, () -> {
            dead.clear();
            for (ConsumerRecord<byte[], byte[]> rec : Fixtures.records(dlq, null)) {
                if (key(rec) != null && key(rec).endsWith(tag)) {
                    dead.add(rec);
                }
            }
            return dead.size() >= 3;
        });
        assertEquals(3, dead.size());
        assertEquals("poison-" + tag, key(dead.get(0)));
        assertEquals("not protobuf", new String(dead.get(0).value(), StandardCharsets.UTF_8), "the record as it was");
        assertEquals("missing CloudEvents header ce_id", header(dead.get(0), "dlq-reason"));
        assertEquals(Topics.SCORING_EVENTS, header(dead.get(0), "dlq-original-topic"));
        assertEquals("garbled-" + tag, key(dead.get(1)));
        assertEquals(garbled.id(), header(dead.get(1), "ce_id"), "headers travel with the record");
        assertTrue(header(dead.get(1), "dlq-reason").startsWith("payload is not a sculptor.v1.ScoresComputed"),
                header(dead.get(1), "dlq-reason"));
        assertEquals("stray-" + tag, key(dead.get(2)));
        assertTrue(header(dead.get(2), "dlq-reason").startsWith("unexpected ce_type sculptor.v1.TrainingRequested"),
                header(dead.get(2), "dlq-reason"));

        // the worker is still consuming, and readiness says how many records it dead-lettered
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI().resolve("q/health/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        // the consumer of the answers (pruning-worker), not the pruning step's (pruning-step-worker)
        Matcher m = Pattern.compile("\"name\"\\s*:\\s*\"pruning-worker\"[^}]*\"deadLettered\"\\s*:\\s*(\\d+)").matcher(ready.body());
        assertTrue(m.find(), ready.body());
        assertTrue(Long.parseLong(m.group(1)) >= 3, ready.body());
        // and the pruning step's consumer is part of liveness: without it PRUNING jobs would wait until a restart
        HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI().resolve("q/health/live"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        assertTrue(live.body().contains("\"pruning-step-worker\""), live.body());
    }
}
