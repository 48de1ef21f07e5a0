package dev.sculptor.pruning;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.ChannelScores;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListVersionsRequest;
import dev.sculptor.api.v1.ListVersionsResponse;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruningGrpc;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.ScoreModelResponse;
import dev.sculptor.api.v1.ScoresComputed;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.prune.PrunePlan;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** What the tests share: clients with tokens, LeNet baselines in the (fake) registry, events on the real broker, waiting. */
final class Fixtures {
    private Fixtures() {}

    /** Every topic of the platform and its dead-letter topic (the annotation needs a constant). */
    static final String TOPICS = "sculptor.registry.events.v1,sculptor.scoring.requests.v1,sculptor.scoring.events.v1,"
            + "sculptor.training.requests.v1,sculptor.training.events.v1,sculptor.evaluation.requests.v1,"
            + "sculptor.evaluation.events.v1,sculptor.pruning.requests.v1,sculptor.pruning.events.v1,"
            + "sculptor.registry.events.v1.dlq,sculptor.scoring.requests.v1.dlq,sculptor.scoring.events.v1.dlq,"
            + "sculptor.training.requests.v1.dlq,sculptor.training.events.v1.dlq,sculptor.evaluation.requests.v1.dlq,"
            + "sculptor.evaluation.events.v1.dlq,sculptor.pruning.requests.v1.dlq,sculptor.pruning.events.v1.dlq";

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration POLL = Duration.ofMillis(200);
    static final String SOURCE = "/sculptor/test";

    /** LeNet on 28x28 grey images: conv widths [32, 64], hidden [128]. */
    static final ArchSpec LENET = Architectures.named("lenet", List.of(1, 28, 28), 10);

    /** The pruning API and the registry, each over its own channel, with a bearer token per call. */
    static final class Clients implements AutoCloseable {
        final ManagedChannel pruning;
        final ManagedChannel registry;

        Clients(int pruningPort, String registryTarget) {
            pruning = ManagedChannelBuilder.forAddress("127.0.0.1", pruningPort).usePlaintext().build();
            registry = ManagedChannelBuilder.forTarget(registryTarget).usePlaintext().build();
        }

        PruningGrpc.PruningBlockingStub pruning(String token) {
            return withToken(PruningGrpc.newBlockingStub(pruning), token).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        PruningGrpc.PruningStub pruningAsync(String token) {
            return withToken(PruningGrpc.newStub(pruning), token);
        }

        ModelRegistryGrpc.ModelRegistryBlockingStub registry() {
            return withToken(ModelRegistryGrpc.newBlockingStub(registry), FakeRegistry.TOKEN).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            pruning.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            registry.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static <S extends AbstractStub<S>> S withToken(S stub, String token) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    // ------------------------------------------------------------------------------------ registry

    static Model createModel(Clients c, String id) {
        return c.registry().createModel(CreateModelRequest.newBuilder().setModelId(id).setModel(Model.newBuilder()
                .setDisplayName(id)).build());
    }

    /**
     * Saves a seeded LeNet as an engine checkpoint, uploads it outside the registry's own prefix and
     * registers it with CreateVersion, as an upstream team would. The network stays open for the caller.
     */
    static ModelVersion registerBaseline(Clients c, CheckpointStore store, Path tmp, String model, Network net, Lineage lineage) {
        Path dir = tmp.resolve(UUID.randomUUID().toString());
        ModelCheckpoint.save(dir, net, ModelCheckpoint.Info.EMPTY, null, null);
        String prefix = "uploads/" + model + "/" + dir.getFileName() + "/";
        store.putDirectory(dir, prefix);
        CreateVersionRequest.Builder r = CreateVersionRequest.newBuilder().setParent("models/" + model)
                .setCheckpoint(CheckpointRef.newBuilder().setUri(store.uri(prefix))).addTags("baseline");
        if (lineage != null) {
            r.setLineage(lineage);
        }
        return c.registry().createVersion(r.build());
    }

    static ModelVersion registerBaseline(Clients c, CheckpointStore store, Path tmp, String model, long seed) {
        try (Network net = Network.create(LENET, seed)) {
            return registerBaseline(c, store, tmp, model, net, null);
        }
    }

    static int versionCount(Clients c, String model) {
        ListVersionsResponse r = c.registry().listVersions(ListVersionsRequest.newBuilder().setParent("models/" + model)
                .setPageSize(1000).build());
        return r.getVersionsCount();
    }

    // ------------------------------------------------------------------------------------ jobs

    static PruneJob.Builder l1Job(String version) {
        return PruneJob.newBuilder().setModelVersion(version)
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM))
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist"))
                .setPlan(TrainingPlan.newBuilder().setEpochs(2).setFinetuneEpochs(1));
    }

    static PruneJob get(Clients c, String name) {
        return c.pruning("read-token").getPruneJob(GetPruneJobRequest.newBuilder().setName(name).build());
    }

    static PruneJob awaitState(Clients c, String name, PruneJob.State state) {
        PruneJob[] last = new PruneJob[1];
        await(name + " in " + state, () -> {
            last[0] = get(c, name);
            return last[0].getState() == state;
        }, () -> "last seen: " + last[0]);
        return last[0];
    }

    static String jobId(String name) {
        return name.substring("pruneJobs/".length());
    }

    /**
     * Stores what the scoring service would under {@code jobs/{job}/scores/}: {@code scores.json}, a
     * {@code ScoreModelResponse} in proto3 JSON with the kept channels of every space, and the engine's plan
     * ({@code plan.json}) the pruning step applies; returns the {@code scores_uri}.
     */
    static String writeScores(CheckpointStore store, Path tmp, String job, String version, PrunePlan plan) throws Exception {
        return writeScores(store, tmp, job, version, plan, true);
    }

    /**
     * As {@link #writeScores(CheckpointStore, Path, String, String, PrunePlan)}; without {@code withPlan}, only
     * {@code scores.json}, as a scoring replica older than the stored plans left it.
     */
    static String writeScores(CheckpointStore store, Path tmp, String job, String version, PrunePlan plan, boolean withPlan)
            throws Exception {
        ScoreModelResponse.Builder r = ScoreModelResponse.newBuilder().setModelVersion(version);
        plan.kept().forEach((space, channels) -> {
            ChannelScores.Builder s = ChannelScores.newBuilder().setSpace(space);
            for (int ch : channels) {
                s.addKeptChannels(ch).addScores(1f);
            }
            r.addChannelScores(s);
        });
        String prefix = "jobs/" + jobId(job) + "/scores/";
        Path f = tmp.resolve(jobId(job) + "-scores.json");
        Files.writeString(f, JsonFormat.printer().print(r), StandardCharsets.UTF_8);
        store.putFile(f, prefix + "scores.json");
        if (!withPlan) {
            return store.uri(prefix);
        }
        Path p = tmp.resolve(jobId(job) + "-" + PrunePlan.FILE);
        Files.writeString(p, plan.toJson(), StandardCharsets.UTF_8);
        store.putFile(p, prefix + PrunePlan.FILE);
        return store.uri(prefix);
    }

    static ScoresComputed scoresComputed(String job, String version, String uri) {
        return ScoresComputed.newBuilder().setPruneJob(job).setModelVersion(version).setScoresUri(uri).setSeconds(0.1)
                .setOccurredTime(now()).build();
    }

    // ------------------------------------------------------------------------------------ events

    static Timestamp now() {
        Instant t = Instant.now();
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    /** A new event (fresh UUID ce_id) about {@code subject}, keyed by {@code key}. */
    static EventEnvelope envelope(Message payload, String subject, String key) {
        return envelope(UUID.randomUUID().toString(), payload, subject, key);
    }

    static EventEnvelope envelope(String id, Message payload, String subject, String key) {
        return new EventEnvelope(id, EventEnvelope.typeOf(payload), SOURCE, Instant.now(), subject, key, payload.toByteArray());
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    /** The topic's records keyed by {@code key}, in order. */
    static List<ConsumerRecord<byte[], byte[]>> records(String topic, String key) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), topic)) {
            if (key == null || key.equals(key(r))) {
                out.add(r);
            }
        }
        return out;
    }

    /** Payloads of type {@code M} on the topic keyed by {@code key} that match, in order. */
    static <M extends Message> List<M> payloads(String topic, String key, Parser<M> parser, M defaultInstance, Predicate<M> match) {
        List<M> out = new ArrayList<>();
        String type = EventEnvelope.typeOf(defaultInstance);
        for (ConsumerRecord<byte[], byte[]> r : records(topic, key)) {
            if (type.equals(header(r, "ce_type"))) {
                try {
                    M m = parser.parseFrom(r.value());
                    if (match.test(m)) {
                        out.add(m);
                    }
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError("unreadable " + type + " on " + topic, e);
                }
            }
        }
        return out;
    }

    /** Waits until at least {@code count} matching payloads are on the topic; returns all of them. */
    static <M extends Message> List<M> awaitPayloads(String topic, String key, Parser<M> parser, M defaultInstance, int count,
            Predicate<M> match) {
        List<List<M>> last = new ArrayList<>(List.of(List.of()));
        await(count + " " + EventEnvelope.typeOf(defaultInstance) + " on " + topic + " keyed " + key, () -> {
            last.set(0, payloads(topic, key, parser, defaultInstance, match));
            return last.get(0).size() >= count;
        }, () -> "got " + last.get(0));
        return last.get(0);
    }

    /** Waits until the service's consumer has processed (or deduplicated) the event with this ce_id. */
    static void awaitProcessed(DataSource ds, String eventId) {
        await("event " + eventId + " processed", () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT 1 FROM processed_events WHERE event_id = ?")) {
                ps.setString(1, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        }, () -> "");
    }

    @FunctionalInterface
    interface Check {
        boolean ok() throws Exception;
    }

    /**
     * Polls {@code check} on this thread until it holds, for at most {@link #WAIT}; an exception counts
     * as "not yet". On timeout the assertion names {@code what} and the {@code detail} seen last.
     */
    static void await(String what, Check check, java.util.function.Supplier<String> detail) {
        try {
            Awaitility.await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(POLL).pollInSameThread().ignoreExceptions()
                    .until(check::ok);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + what + " within " + WAIT + "; " + detail.get(), e);
        }
    }

    static void await(String what, BooleanSupplier check) {
        await(what, check::getAsBoolean, () -> "");
    }
}
