package dev.sculptor.testing;

import java.util.Arrays;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} at the JVM's shared embedded Kafka broker ({@link EmbeddedKafka}),
 * started on first use and stopped when the JVM exits.
 *
 * <p>Returns {@code kafka.bootstrap.servers} and
 * {@code mp.messaging.connector.smallrye-kafka.bootstrap.servers}. Optional init args: {@code topics}
 * (comma-separated, created at start) and {@code partitions} (per created topic, default 1). The broker
 * is shared by every test class of the JVM, so records of earlier classes stay in their topics.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = KafkaResource.class,
 *         initArgs = @ResourceArg(name = "topics", value = "sculptor.jobs.events.v1"))
 * class JobEventsTest { ... }
 * }</pre>
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    private String[] topics = new String[0];
    private int partitions = 1;

    /** Address of the shared broker, starting it if needed. */
    public static String bootstrapServers() {
        return (String) SharedParts.call("kafkaBootstrapServers", new Class<?>[0]);
    }

    /**
     * Stops the shared broker as an outage would (for tests of how a service copes); {@link #restartBroker} brings
     * it back on the same address with its topics. Restart it before the test ends: the next test class shares it.
     */
    public static void stopBroker() {
        SharedParts.call("kafkaRunning", new Class<?>[] {Boolean.class}, Boolean.FALSE);
    }

    /** Starts the shared broker again after {@link #stopBroker}. */
    public static void restartBroker() {
        SharedParts.call("kafkaRunning", new Class<?>[] {Boolean.class}, Boolean.TRUE);
    }

    @Override
    public void init(Map<String, String> initArgs) {
        topics = topics(initArgs);
        partitions = partitions(initArgs);
    }

    /** Init arg {@code topics}: comma-separated topic names (none when absent). Shared with {@link KafkaContainerResource}. */
    static String[] topics(Map<String, String> initArgs) {
        String list = initArgs.getOrDefault("topics", "");
        return Arrays.stream(list.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toArray(String[]::new);
    }

    /** Init arg {@code partitions}: a positive count per created topic, default 1. */
    static int partitions(Map<String, String> initArgs) {
        String value = initArgs.getOrDefault("partitions", "1");
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the value
        }
        throw new IllegalArgumentException("init arg partitions='" + value + "' must be a positive whole number");
    }

    /** The configuration a Kafka test resource returns for a broker address. */
    static Map<String, String> config(String bootstrap) {
        return Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "mp.messaging.connector.smallrye-kafka.bootstrap.servers", bootstrap);
    }

    @Override
    public Map<String, String> start() {
        String bootstrap = bootstrapServers();
        if (topics.length > 0) {
            EmbeddedKafka.createTopics(bootstrap, partitions, topics);
        }
        return config(bootstrap);
    }

    /** Leaves the shared broker running for the next test class; a shutdown hook stops it. */
    @Override
    public void stop() {
    }
}
