package dev.sculptor.testing;

import java.io.OutputStream;
import java.io.PrintStream;
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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real Apache Kafka broker inside the test JVM, in KRaft mode (one node that is both broker and
 * controller), listening on random loopback ports with its log in a temporary directory.
 *
 * <p>Settings fit a single node on a small machine: replication factor and min ISR 1 for the internal
 * topics (offsets, transactions, share groups), no initial rebalance delay, one partition per internal
 * topic, and a small log-cleaner buffer (the default 128 MB dies in a small heap).
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

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;
    private static final int START_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path logDir;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path logDir) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
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
        return ContextLoader.with(() -> doStart(overrides));
    }

    private static EmbeddedKafka doStart(Map<String, String> overrides) {
        QuietLogs.apply();
        RuntimeException last = null;
        // A port found free can be taken before the broker binds it: try again on fresh ports.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            Path logDir = TempDirs.create("sculptor-kafka-");
            KafkaRaftServer server = null;
            try {
                int port = Ports.free();
                int controllerPort = Ports.free();
                Properties props = brokerProperties(port, controllerPort, logDir.toString());
                props.putAll(overrides);
                KafkaConfig config = new KafkaConfig(props, false);
                format(logDir.toString());
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                String bootstrap = Ports.LOOPBACK + ":" + port;
                awaitReady(bootstrap, Duration.ofSeconds(30));
                return new EmbeddedKafka(server, bootstrap, logDir);
            } catch (Exception e) {
                last = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (server != null) {
                    shutdownQuietly(server);
                }
                TempDirs.deleteQuietly(logDir);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("embedded Kafka did not start", last);
    }

    private static Properties brokerProperties(int port, int controllerPort, String logDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + Ports.LOOPBACK + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + port
                + "," + CONTROLLER_LISTENER + "://" + Ports.LOOPBACK + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + port);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listener.security.protocol.map", CONTROLLER_LISTENER + ":PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir);
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", "8388608");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        // Two cores: a handful of threads is plenty for tests.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    private static void format(String logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(NODE_ID)
                .addDirectory(logDir)
                // The metadata log lives in the only log directory.
                .setMetadataLogDirectory(logDir)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
    }

    private static void awaitReady(String bootstrap, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker at " + bootstrap + " did not become ready");
                }
                Thread.sleep(100);
            }
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker and deletes its log directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ContextLoader.with(() -> {
            shutdownQuietly(server);
            return null;
        });
        TempDirs.deleteQuietly(logDir);
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // Already failing or stopped; the log directory is removed either way.
        }
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " up to " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
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
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(consumerProperties(bootstrapServers), keys, values)) {
            boolean assigned = false;
            while (records.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("expected at least " + count + " records on " + topic
                            + " within " + timeout + ", got " + records.size());
                }
                if (!assigned) {
                    List<TopicPartition> partitions = partitions(consumer, topic);
                    if (partitions.isEmpty()) {
                        sleep(100);
                        continue;
                    }
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    assigned = true;
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + "]";
    }
}
