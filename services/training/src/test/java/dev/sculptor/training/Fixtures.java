package dev.sculptor.training;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingCompleted;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingProgress;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.events.EventEnvelope;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaResource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Tiny real checkpoints, requests and event readers shared by the tests. */
final class Fixtures {
    private Fixtures() {}

    static final String TOPICS = "sculptor.training.requests.v1,sculptor.training.events.v1,sculptor.training.requests.v1.dlq";

    /** A tiny VGG for 28x28 images: a run of a few epochs on a few hundred images takes about a second. */
    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 28, 28), 10, List.of(4, 6), List.of(0), List.of(8),
            null, null, null, null);

    static dev.sculptor.api.v1.ArchSpec tinyProto() {
        return dev.sculptor.api.v1.ArchSpec.newBuilder().setFamily("vgg").setName("tiny").addAllInputShape(List.of(1, 28, 28))
                .setNumClasses(10).addAllConvWidths(List.of(4, 6)).addPoolAfter(0).addHidden(8).build();
    }

    /** Saves a seeded network and uploads it where the registry puts versions; returns the local copy. */
    static Path upload(CheckpointStore store, Path tmp, String model, int n, ArchSpec spec, long seed) {
        Path dir = tmp.resolve(model + "-" + n);
        try (Network net = Network.create(spec, seed)) {
            ModelCheckpoint.save(dir, net, ModelCheckpoint.Info.EMPTY, null, null);
        }
        store.putDirectory(dir, "models/" + model + "/versions/" + n);
        return dir;
    }

    static TrainingPlan plan(long seed) {
        return TrainingPlan.newBuilder().setBatchSize(32).setLearningRate(0.05).setSeed(seed).setAugment(false).build();
    }

    static DatasetRef data() {
        return DatasetRef.newBuilder().setUri("fashion-mnist").setTrainSubset(128).setTestSubset(64).build();
    }

    static TrainingRequested.Builder fromArch(String run, int epochs, long seed) {
        return TrainingRequested.newBuilder().setTrainingRun("trainingRuns/" + run).setArch(tinyProto()).setDataset(data())
                .setPlan(plan(seed)).setEpochs(epochs).setOccurredTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()));
    }

    static TrainingRequested.Builder fromVersion(String run, String version, RetrainMode mode, int epochs, long seed) {
        return TrainingRequested.newBuilder().setTrainingRun("trainingRuns/" + run).setModelVersion(version).setRetrainMode(mode)
                .setDataset(data()).setPlan(plan(seed)).setEpochs(epochs)
                .setOccurredTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()));
    }

    static EventEnvelope envelope(String ceId, TrainingRequested r) {
        String key = r.getPruneJob().isEmpty() ? r.getTrainingRun() : r.getPruneJob();
        return new EventEnvelope(ceId, EventEnvelope.typeOf(r), "/sculptor/test", Instant.now(), r.getTrainingRun(), key, r.toByteArray());
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** Every event on the training events topic about a run, in order. */
    static List<ConsumerRecord<byte[], byte[]>> events(String run) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(KafkaResource.bootstrapServers(), Topics.TRAINING_EVENTS)) {
            if (("trainingRuns/" + run).equals(header(r, "ce_subject"))) {
                out.add(r);
            }
        }
        return out;
    }

    static List<TrainingProgress> progress(String run) throws InvalidProtocolBufferException {
        List<TrainingProgress> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : events(run)) {
            if (header(r, "ce_type").equals("sculptor.v1.TrainingProgress")) {
                out.add(TrainingProgress.parseFrom(r.value()));
            }
        }
        return out;
    }

    static List<TrainingCompleted> completions(String run) throws InvalidProtocolBufferException {
        List<TrainingCompleted> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : events(run)) {
            if (header(r, "ce_type").equals("sculptor.v1.TrainingCompleted")) {
                out.add(TrainingCompleted.parseFrom(r.value()));
            }
        }
        return out;
    }

    /** Waits for the run's TrainingCompleted. */
    static TrainingCompleted awaitCompleted(String run, Duration timeout) {
        return await("TrainingCompleted for trainingRuns/" + run).atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> completions(run), c -> !c.isEmpty()).get(0);
    }

    static Map<String, String> noArgs() {
        return Map.of();
    }
}
