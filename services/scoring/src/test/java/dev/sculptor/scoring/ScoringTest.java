package dev.sculptor.scoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.BlockScore;
import dev.sculptor.api.v1.ChannelScores;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.ScoreModelRequest;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.ScoringGrpc;
import dev.sculptor.api.v1.ScoringRequested;
import dev.sculptor.api.v1.WeightStatistics;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.prune.Importance;
import dev.sculptor.engine.prune.Importances;
import dev.sculptor.engine.prune.L1NormPruning;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.SoftFilterPruning;
import dev.sculptor.engine.prune.WeightLevelPruning;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scoring worker and API against a real broker and S3 (S3Proxy), compared with the engine's own numbers. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics",
        value = "sculptor.scoring.requests.v1,sculptor.scoring.events.v1,sculptor.scoring.requests.v1.dlq"))
@WithTestResource(S3Resource.class)
class ScoringTest {
    static EventPublisher publisher;

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckpointStore store;

    @TempDir
    Path tmp;

    ManagedChannel channel;

    @BeforeAll
    static void producer() {
        publisher = new EventPublisher(KafkaResource.bootstrapServers(), "scoring-test", Duration.ofSeconds(30));
    }

    @AfterAll
    static void closeProducer() {
        publisher.close();
    }

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", url.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    ScoringGrpc.ScoringBlockingStub stub(String token) {
        Metadata md = new Metadata();
        if (token != null) {
            md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        return ScoringGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static EventEnvelope request(String ceId, String job, String version, MethodSpec method) {
        Instant now = Instant.now();
        ScoringRequested r = ScoringRequested.newBuilder().setPruneJob(job).setModelVersion(version).setMethod(method)
                .setOccurredTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond())).build();
        return new EventEnvelope(ceId, EventEnvelope.typeOf(r), "/sculptor/test", now, job, job, r.toByteArray());
    }

    static List<ConsumerRecord<byte[], byte[]>> computed(String job, int atLeast) {
        return await(atLeast + " ScoresComputed for " + job).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(),
                            Topics.SCORING_EVENTS)) {
                        if (ScoresComputed.parseFrom(r.value()).getPruneJob().equals(job)) {
                            out.add(r);
                        }
                    }
                    return out;
                }, out -> out.size() >= atLeast);
    }

    static void assertScores(Map<String, float[]> expected, Map<String, int[]> kept, List<ChannelScores> actual) {
        assertEquals(List.copyOf(expected.keySet()), actual.stream().map(ChannelScores::getSpace).toList());
        for (ChannelScores c : actual) {
            float[] got = new float[c.getScoresCount()];
            for (int i = 0; i < got.length; i++) {
                got[i] = c.getScores(i);
            }
            assertArrayEquals(expected.get(c.getSpace()), got, 0f, c.getSpace());
            int[] k = kept.containsKey(c.getSpace()) ? kept.get(c.getSpace()) : java.util.stream.IntStream.range(0, got.length).toArray();
            assertArrayEquals(k, c.getKeptChannelsList().stream().mapToInt(Integer::intValue).toArray(), c.getSpace());
        }
    }

    /** The engine's scores and the policy's kept channels for a stored checkpoint. */
    static Map<String, float[]> engineScores(Path checkpoint, Importance importance) {
        try (Network net = ModelCheckpoint.load(checkpoint).network()) {
            return importance.scores(net);
        }
    }

    static Map<String, int[]> engineKept(Path checkpoint, dev.sculptor.engine.prune.PruningMethod method) {
        try (Network net = ModelCheckpoint.load(checkpoint).network()) {
            PruneResult r = method.prune(net);
            r.network().close();
            return r.kept();
        }
    }

    @Test
    void theWorkerStoresTheEnginesL1ScoresOnceAndSaysWhere() throws Exception {
        String model = "sc-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 11, null);
        String job = "pruneJobs/" + model;
        MethodSpec l1 = MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.5).build();
        String ceId = UUID.randomUUID().toString();
        publisher.publish(Topics.SCORING_REQUESTS, request(ceId, job, "models/" + model + "/versions/1", l1));
        publisher.publish(Topics.SCORING_REQUESTS, request(ceId, job, "models/" + model + "/versions/1", l1));
        // a later event on the same partition: once it is answered, the duplicate was read
        String later = job + "-later";
        publisher.publish(Topics.SCORING_REQUESTS, request(UUID.randomUUID().toString(), later, "models/" + model + "/versions/1", l1));
        assertEquals(1, computed(later, 1).size());

        List<ConsumerRecord<byte[], byte[]>> events = computed(job, 1);
        assertEquals(1, events.size(), "one ScoresComputed for a request delivered twice");
        assertEquals(job, new String(events.get(0).key(), StandardCharsets.UTF_8));
        ScoresComputed done = ScoresComputed.parseFrom(events.get(0).value());
        assertEquals("", done.getFailureReason());
        assertEquals(store.uri("jobs/" + model + "/scores/"), done.getScoresUri());
        assertEquals("models/" + model + "/versions/1", done.getModelVersion());

        Path json = tmp.resolve("scores.json");
        store.getFile("jobs/" + model + "/scores/scores.json", json);
        ScoreModelResponse.Builder stored = ScoreModelResponse.newBuilder();
        JsonFormat.parser().merge(Files.readString(json), stored);
        assertEquals("models/" + model + "/versions/1", stored.getModelVersion());
        assertScores(engineScores(local, Importances.l1FilterNorm()),
                engineKept(local, new L1NormPruning(null, 0.5, Map.of(), Set.of())), stored.getChannelScoresList());
        store.getFile("jobs/" + model + "/scores/method.json", json);
        MethodSpec.Builder method = MethodSpec.newBuilder();
        JsonFormat.parser().merge(Files.readString(json), method);
        assertEquals(l1, method.build());

        // the engine's plan beside the scores: the decision the pruning step applies, the same as the scores' kept channels
        store.getFile("jobs/" + model + "/scores/" + PrunePlan.FILE, json);
        PrunePlan plan = PrunePlan.fromJson(Files.readString(json));
        assertEquals("l1-norm", plan.def().id());
        for (var c : stored.getChannelScoresList()) {
            assertArrayEquals(c.getKeptChannelsList().stream().mapToInt(Integer::intValue).toArray(), plan.keptOrAll(c.getSpace(), c.getScoresCount()),
                    c.getSpace());
        }
    }

    @Test
    void whatCannotBeScoredFailsWithAReasonAndPoisonIsDeadLettered() throws Exception {
        String model = "sf-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 12, null);
        String version = "models/" + model + "/versions/1";
        publisher.send(new ProducerRecord<>(Topics.SCORING_REQUESTS, "poison-" + model, new byte[] {1, 2, 3}));
        String thinet = "pruneJobs/" + model + "-thinet";
        publisher.publish(Topics.SCORING_REQUESTS, request(UUID.randomUUID().toString(), thinet, version,
                MethodSpec.newBuilder().setMethod(PruningMethod.THINET).build()));
        String ghost = "pruneJobs/" + model + "-ghost";
        publisher.publish(Topics.SCORING_REQUESTS, request(UUID.randomUUID().toString(), ghost, "models/" + model + "/versions/7",
                MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).build()));

        ScoresComputed t = ScoresComputed.parseFrom(computed(thinet, 1).get(0).value());
        assertEquals("", t.getScoresUri());
        assertTrue(t.getFailureReason().startsWith("method THINET: the engine selects these channels greedily"), t.getFailureReason());
        ScoresComputed g = ScoresComputed.parseFrom(computed(ghost, 1).get(0).value());
        assertEquals("models/" + model + "/versions/7 not found", g.getFailureReason());
        assertFalse(store.exists("jobs/" + model + "-thinet/scores/scores.json"));

        List<ConsumerRecord<byte[], byte[]>> dead = EmbeddedKafka.awaitRecords(KafkaResource.bootstrapServers(),
                Topics.dlq(Topics.SCORING_REQUESTS), 1, Duration.ofSeconds(30));
        ConsumerRecord<byte[], byte[]> poison = dead.stream().filter(r -> ("poison-" + model).equals(new String(r.key(),
                StandardCharsets.UTF_8))).findFirst().orElseThrow();
        assertEquals("missing CloudEvents header ce_id", new String(poison.headers().lastHeader("dlq-reason").value(),
                StandardCharsets.UTF_8));
    }

    @Test
    void scoreModelAnswersWithTheEnginesNumbers() {
        String model = "sm-" + UUID.randomUUID().toString().substring(0, 8);
        Path local = TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 13, null);
        String version = "models/" + model + "/versions/1";

        ScoreModelResponse slim = stub("read-token").scoreModel(ScoreModelRequest.newBuilder().setModelVersion(version)
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.NETWORK_SLIMMING).setPercent(0.3)).build());
        assertEquals(version, slim.getModelVersion());
        assertScores(engineScores(local, Importances.bnScale()),
                engineKept(local, new dev.sculptor.engine.prune.NetworkSlimming(0.3, 1e-4)), slim.getChannelScoresList());

        ScoreModelResponse sfp = stub("read-token").scoreModel(ScoreModelRequest.newBuilder().setModelVersion(version)
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.SOFT_FILTER_PRUNING).setRatio(0.25)
                        .addSkip("features.0")).build());
        assertScores(engineScores(local, SoftFilterPruning.l2FilterNorm()),
                engineKept(local, new SoftFilterPruning(0.25, Map.of(), Set.of("features.0"))), sfp.getChannelScoresList());

        ScoreModelResponse weights = stub("read-token").scoreModel(ScoreModelRequest.newBuilder().setModelVersion(version)
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.WEIGHT_LEVEL).setPercent(0.5)).build());
        try (Network net = ModelCheckpoint.load(local).network()) {
            WeightLevelPruning w = new WeightLevelPruning(0.5, false);
            List<String> targets = w.targets(net);
            assertEquals(targets.stream().map(t -> t.replace(".weight", "")).toList(),
                    weights.getWeightStatisticsList().stream().map(WeightStatistics::getLayer).toList());
            PruneResult r = w.prune(net);
            try (Network masked = r.network()) {
                for (int i = 0; i < targets.size(); i++) {
                    WeightStatistics s = weights.getWeightStatistics(i);
                    float[] values = net.array(targets.get(i)).toFloatArray();
                    assertEquals(values.length, s.getCount());
                    assertEquals(values.length, s.getNonzero());
                    assertEquals(values.length - masked.nonZero(targets.get(i)), s.getPruned());
                    float threshold = s.getThreshold();
                    float[] mask = masked.masks().get(targets.get(i)).toFloatArray();
                    for (int j = 0; j < values.length; j++) {
                        assertEquals(Math.abs(values[j]) > threshold, mask[j] == 1f, "the threshold separates kept from masked");
                    }
                }
            }
        }

        // a ResNet trained with block scales, one of them driven to zero: its block goes
        String resnet = "ss-" + UUID.randomUUID().toString().substring(0, 8);
        String[] zeroed = new String[1];
        TestCheckpoints.upload(store, tmp, resnet, 1, TestCheckpoints.SCALED_RESNET, 14, net -> {
            zeroed[0] = net.graph().blockName(1);
            net.array(zeroed[0] + ".residual.scale").set(new float[] {0f});
        });
        ScoreModelResponse sss = stub("read-token").scoreModel(ScoreModelRequest.newBuilder().setModelVersion("models/" + resnet
                + "/versions/1").setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.SPARSE_STRUCTURE_SELECTION)).build());
        // every block carries a scale, a stage's first too (removing it keeps its shortcut): 2 blocks x 3 stages
        assertEquals(6, sss.getBlockScoresCount(), "every block of the resnet14 is scored");
        for (BlockScore b : sss.getBlockScoresList()) {
            assertEquals(!b.getBlock().equals(zeroed[0]), b.getKept(), b.getBlock());
            assertEquals(b.getBlock().equals(zeroed[0]) ? 0f : 1f, b.getScore(), 1e-6f, b.getBlock());
        }
    }

    @Test
    void errorsUseCanonicalCodes() {
        String model = "se-" + UUID.randomUUID().toString().substring(0, 8);
        TestCheckpoints.upload(store, tmp, model, 1, TestCheckpoints.TINY, 15, null);
        String version = "models/" + model + "/versions/1";
        MethodSpec l1 = MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).build();

        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion("models/" + model + "/versions/2").setMethod(l1).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        assertEquals("models/" + model + "/versions/2 not found", missing.getStatus().getDescription());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () -> stub(null).scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(l1).build())).getStatus().getCode());
        StatusRuntimeException regression = assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(MethodSpec.newBuilder()
                        .setMethod(PruningMethod.REGRESSION)).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, regression.getStatus().getCode());
        StatusRuntimeException sssOnVgg = assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(MethodSpec.newBuilder()
                        .setMethod(PruningMethod.SPARSE_STRUCTURE_SELECTION)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, sssOnVgg.getStatus().getCode());
        assertTrue(sssOnVgg.getStatus().getDescription().contains("needs a resnet or preresnet, got vgg"), sssOnVgg.getStatus().getDescription());
        StatusRuntimeException badRatio = assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(MethodSpec.newBuilder()
                        .setMethod(PruningMethod.L1_NORM).setRatio(1.5)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badRatio.getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                ScoreModelRequest.newBuilder().setModelVersion(version).build())).getStatus().getCode());
    }

    @Test
    void hostileNamesAreInvalidArgumentBeforeAnyLookup() {
        MethodSpec l1 = MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).build();
        for (String model : List.of("a\u0000b", "caf\u00e9", "x' OR '1'='1", "x".repeat(10_000))) {
            for (String version : List.of("models/" + model + "/versions/1", "models/m/versions/" + model, "models/m/versions/-1")) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("read-token").scoreModel(
                        ScoreModelRequest.newBuilder().setModelVersion(version).setMethod(l1).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
                String why = e.getStatus().getDescription();
                assertTrue(why.startsWith("model_version: ") && why.length() < 300, why);
            }
        }
    }
}

