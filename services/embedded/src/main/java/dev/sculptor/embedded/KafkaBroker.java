package dev.sculptor.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Apache Kafka broker in this JVM, in KRaft mode: one node that is both broker and controller, on loopback,
 * with its log (and the metadata log) in one data directory, formatted on the first start and reused after.
 *
 * <p>Settings fit a single node on a small machine: replication factor and min ISR 1 and one partition for the
 * internal topics (offsets, transactions, share groups), no initial rebalance delay, two threads per pool, and a small
 * log-cleaner buffer (the default 128 MB dies in a small heap).
 */
public final class KafkaBroker implements AutoCloseable {
    static final int NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int FREE_PORT_ATTEMPTS = 3;

    /**
     * Where the broker listens and keeps its log. Port 0 (controller port included) picks free ports and tries again on
     * fresh ones when one is taken before the broker binds it. {@code clusterId} is used when the directory is
     * formatted (null: a random one); {@code overrides} replace broker properties.
     */
    public record Config(int port, int controllerPort, Path dataDir, String clusterId, Map<String, String> overrides,
            Duration readyTimeout) {
        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            overrides = Map.copyOf(overrides);
        }

        /** Free ports, a random cluster id, no overrides, ready within 30 s. */
        public static Config onFreePorts(Path dataDir, Map<String, String> overrides) {
            return new Config(0, 0, dataDir, null, overrides, Duration.ofSeconds(30));
        }
    }

    private final KafkaRaftServer server;
    private final int port;
    private final int controllerPort;
    private boolean closed;

    private KafkaBroker(KafkaRaftServer server, int port, int controllerPort) {
        this.server = server;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Formats the data directory when it is not yet, starts the broker and returns once it answers clients. */
    public static KafkaBroker start(Config config) {
        boolean free = config.port() == 0;
        RuntimeException last = null;
        for (int attempt = 0; attempt < (free ? FREE_PORT_ATTEMPTS : 1); attempt++) {
            int port = free ? Loopback.freePort() : config.port();
            int controllerPort = free || config.controllerPort() == 0 ? Loopback.freePort() : config.controllerPort();
            KafkaRaftServer server = null;
            try {
                Files.createDirectories(config.dataDir());
                Properties props = brokerProperties(port, controllerPort, config.dataDir());
                props.putAll(config.overrides());
                KafkaConfig kafkaConfig = new KafkaConfig(props, false);
                format(config.dataDir(), config.clusterId());
                server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
                server.startup();
                String bootstrap = Loopback.HOST + ":" + port;
                Readiness.await("Kafka at " + bootstrap, config.readyTimeout(), () -> Readiness.kafka(bootstrap));
                return new KafkaBroker(server, port, controllerPort);
            } catch (Exception e) {
                last = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (server != null) {
                    shutdownQuietly(server);
                }
            }
        }
        throw new IllegalStateException("embedded Kafka did not start", last);
    }

    /** True when the directory holds a formatted KRaft log (Kafka's {@code meta.properties}). */
    public static boolean formatted(Path dataDir) {
        return Files.isRegularFile(dataDir.resolve("meta.properties"));
    }

    static Properties brokerProperties(int port, int controllerPort, Path dataDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + Loopback.HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + Loopback.HOST + ":" + port
                + "," + CONTROLLER_LISTENER + "://" + Loopback.HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + Loopback.HOST + ":" + port);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listener.security.protocol.map", CONTROLLER_LISTENER + ":PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
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
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    /** Formats the directory (as {@code kafka-storage format --ignore-formatted} would) unless it is already. */
    private static void format(Path dataDir, String clusterId) throws Exception {
        if (formatted(dataDir)) {
            return;
        }
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setClusterId(clusterId != null ? clusterId : Uuid.randomUuid().toString())
                .setNodeId(NODE_ID)
                .addDirectory(dataDir.toString())
                // The metadata log lives in the only log directory.
                .setMetadataLogDirectory(dataDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setIgnoreFormatted(true)
                .run();
    }

    /** {@code 127.0.0.1:<port>} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return Loopback.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** Stops the broker; the data directory stays. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            shutdownQuietly(server);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // Already failing or stopped.
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + "]";
    }
}
