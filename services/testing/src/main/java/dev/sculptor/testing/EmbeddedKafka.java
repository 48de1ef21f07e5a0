package dev.sculptor.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.awaitility.core.ConditionTimeoutException;

import dev.sculptor.embedded.Dirs;
import dev.sculptor.embedded.KafkaBroker;

/**
 * A throw-away Kafka broker for a test ({@link KafkaBroker} on free loopback ports with its log in a temporary
 * directory, deleted on close), and helpers that read topics for assertions against any broker address.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, "sculptor.jobs.events.v1");
 *     ... produce ...
 *     var records = EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), "sculptor.jobs.events.v1", 1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private KafkaBroker broker;
    private final Path logDir;
    private final Map<String, String> overrides;

    private EmbeddedKafka(KafkaBroker broker, Path logDir, Map<String, String> overrides) {
        this.broker = broker;
        this.logDir = logDir;
        this.overrides = Map.copyOf(overrides);
    }

    /** Formats a fresh log directory and starts a broker; returns once the broker answers clients. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Like {@link #start()}, with extra broker properties (for example {@code num.partitions} or
     * {@code auto.create.topics.enable}) that override the defaults.
     */
    public static EmbeddedKafka start(Map<String, String> overrides) {
        return ContextLoader.with(() -> {
            QuietLogs.apply();
            Path logDir = TempDirs.create("sculptor-kafka-");
            try {
                return new EmbeddedKafka(KafkaBroker.start(KafkaBroker.Config.onFreePorts(logDir, overrides)), logDir, overrides);
            } catch (RuntimeException e) {
                Dirs.deleteQuietly(logDir);
                throw e;
            }
        });
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public synchronized String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Stops the broker as an outage would, keeping its ports and log: {@link #restart} brings it back as it was. */
    public synchronized void stop() {
        ContextLoader.with(() -> {
            broker.close();
            return null;
        });
    }

    /** Starts the broker again on the same ports and log (topics, records and committed offsets kept). */
    public synchronized void restart() {
        KafkaBroker stopped = broker;
        stopped.close();
        broker = ContextLoader.with(() -> KafkaBroker.start(new KafkaBroker.Config(stopped.port(), stopped.controllerPort(),
                logDir, null, overrides, Duration.ofSeconds(60))));
    }

    /** Stops the broker and deletes its log directory. Idempotent. */
    @Override
    public synchronized void close() {
        ContextLoader.with(() -> {
            broker.close();
            return null;
        });
        Dirs.deleteQuietly(logDir);
    }

    // ---- helpers for assertions, usable against any broker address -------------------------------

    /**
     * Creates topics with replication factor 1; topics that already exist are left as they are.
     *
     * @param partitions partitions per topic
     */
    public static void createTopics(String bootstrapServers, int partitions, String... topics) {
        List<NewTopic> wanted = new ArrayList<>();
        for (String topic : topics) {
            wanted.add(new NewTopic(topic, partitions, (short) 1));
        }
        try (Admin admin = admin(bootstrapServers)) {
            for (var entry : admin.createTopics(wanted).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("topic creation timed out", e);
        }
    }

    /**
     * Every record the topic holds now, from the first offset to the end offsets seen at the call, as raw
     * bytes. Reads without a consumer group (nothing is committed) and never creates the topic: an
     * unknown topic gives an empty list.
     */
    public static List<ConsumerRecord<byte[], byte[]>> consumeAll(String bootstrapServers, String topic) {
        return consumeAll(bootstrapServers, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@link #consumeAll(String, String)} with the given deserializers. */
    public static <K, V> List<ConsumerRecord<K, V>> consumeAll(String bootstrapServers, String topic,
            Deserializer<K> keys, Deserializer<V> values) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers), keys, values)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            if (partitions.isEmpty()) {
                return records;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            try {
                await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(1)).until(() -> {
                            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                            return reached(consumer, end);
                        });
            } catch (ConditionTimeoutException e) {
                throw new IllegalStateException("could not read " + topic + " up to " + end, e);
            }
        }
        return records;
    }

    /**
     * Waits until the topic holds at least {@code count} records (the topic may not exist yet) and
     * returns all of them, as raw bytes.
     *
     * @throws AssertionError if fewer than {@code count} records arrived within the timeout
     */
    public static List<ConsumerRecord<byte[], byte[]>> awaitRecords(String bootstrapServers, String topic,
            int count, Duration timeout) {
        return awaitRecords(bootstrapServers, topic, count, timeout,
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@link #awaitRecords(String, String, int, Duration)} with the given deserializers. */
    public static <K, V> List<ConsumerRecord<K, V>> awaitRecords(String bootstrapServers, String topic,
            int count, Duration timeout, Deserializer<K> keys, Deserializer<V> values) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers), keys, values)) {
            boolean[] assigned = {false};
            await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!assigned[0]) {
                            List<TopicPartition> partitions = partitions(consumer, topic);
                            if (partitions.isEmpty()) {
                                return false;
                            }
                            consumer.assign(partitions);
                            consumer.seekToBeginning(partitions);
                            assigned[0] = true;
                        }
                        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                        return records.size() >= count;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("expected at least " + count + " records on " + topic
                    + " within " + timeout + ", got " + records.size());
        }
        return records;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return List.of();
        }
        if (infos == null) {
            return List.of();
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).collect(Collectors.toList());
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Properties consumerProperties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sculptor-testing-reader");
        return p;
    }

    private static Admin admin(String bootstrapServers) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "sculptor-testing-admin");
        return Admin.create(config);
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + "]";
    }
}
