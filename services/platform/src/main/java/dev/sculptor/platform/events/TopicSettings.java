package dev.sculptor.platform.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How a service creates the topics it uses ({@code sculptor.topics.*}): whether it creates them at all, with how many
 * partitions, which replication factor, and how long records are kept on a topic and on its {@code .dlq}. The chart's
 * optional Strimzi {@code KafkaTopic}s carry the same values.
 *
 * @param create {@code sculptor.topics.create}: false when something else (Strimzi, an operator) owns the topics
 * @param partitions {@code sculptor.topics.partitions}: the most consumers of one group that work at once
 * @param replicationFactor {@code sculptor.topics.replication-factor}
 * @param retention {@code sculptor.topics.retention} ({@code retention.ms} of each topic)
 * @param dlqRetention {@code sculptor.topics.dlq-retention} ({@code retention.ms} of each {@code .dlq}: longer, operators
 *     read dead letters late)
 */
public record TopicSettings(boolean create, int partitions, short replicationFactor, Duration retention, Duration dlqRetention) {
    public static final int DEFAULT_PARTITIONS = 3;
    public static final short DEFAULT_REPLICATION_FACTOR = 1;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final Duration DEFAULT_DLQ_RETENTION = Duration.ofDays(30);

    /** @throws IllegalArgumentException naming the key whose value is out of range */
    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("sculptor.topics.partitions must be at least 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("sculptor.topics.replication-factor must be at least 1, got " + replicationFactor);
        }
        positive("sculptor.topics.retention", retention);
        positive("sculptor.topics.dlq-retention", dlqRetention);
    }

    public static TopicSettings defaults() {
        return new TopicSettings(true, DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR, DEFAULT_RETENTION, DEFAULT_DLQ_RETENTION);
    }

    /** Each topic with these settings, then each one's {@code .dlq} (same partitions, the dead letters' retention). */
    public List<NewTopic> topicsFor(Collection<String> topics) {
        Set<String> names = new LinkedHashSet<>(topics);
        List<NewTopic> out = new ArrayList<>();
        for (String t : names) {
            out.add(newTopic(t, retention));
        }
        for (String t : names) {
            out.add(newTopic(Topics.dlq(t), dlqRetention));
        }
        return out;
    }

    private NewTopic newTopic(String name, Duration keep) {
        return new NewTopic(name, partitions, replicationFactor)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(keep.toMillis())));
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive ISO-8601 duration (e.g. P7D), got " + d);
        }
    }
}
