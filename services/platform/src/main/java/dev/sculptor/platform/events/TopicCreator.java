package dev.sculptor.platform.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

/**
 * Creates the topics a service uses with its {@link TopicSettings}, idempotently: a topic that exists is left as it is
 * (never altered, shrunk or deleted), with a warning when it has fewer partitions than configured (a state directory or
 * cluster from before partitions were configurable keeps working, one consumer per topic). Another replica creating
 * the same topic at the same time counts as existing. Anything else the broker refuses is an {@link Refused}
 * naming the topic and the broker's reason.
 */
public final class TopicCreator {
    private static final Logger LOG = Logger.getLogger(TopicCreator.class);

    /**
     * What {@link #ensure} found.
     *
     * @param created the topics it created
     * @param existing the topics that were already there, with their partition counts
     * @param fewerPartitions the existing topics with fewer partitions than configured (each warned about)
     */
    public record Result(List<String> created, Map<String, Integer> existing, List<String> fewerPartitions) {}

    /** The broker could not be reached in time, or refused a topic; the message names which and why. */
    public static final class Refused extends RuntimeException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TopicCreator() {}

    /**
     * Creates {@code topics} and their {@code .dlq} topics unless they exist; nothing when {@code settings.create()} is
     * false.
     *
     * @param timeout how long the broker may take for each step (list, create, describe)
     * @throws Refused when the broker cannot be reached in time or refuses a topic
     */
    public static Result ensure(Admin admin, Collection<String> topics, TopicSettings settings, Duration timeout) {
        if (!settings.create() || topics.isEmpty()) {
            return new Result(List.of(), Map.of(), List.of());
        }
        List<NewTopic> wanted = settings.topicsFor(topics);
        Set<String> present = get(admin.listTopics(new ListTopicsOptions().timeoutMs(ms(timeout))).names(), timeout,
                "list the topics");
        List<NewTopic> missing = wanted.stream().filter(t -> !present.contains(t.name())).toList();
        List<String> created = new ArrayList<>();
        List<String> existing = new ArrayList<>(wanted.stream().map(NewTopic::name).filter(present::contains).toList());
        if (!missing.isEmpty()) {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(ms(timeout)))
                    .values();
            List<String> refused = new ArrayList<>();
            for (NewTopic t : missing) {
                try {
                    results.get(t.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(t.name());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        existing.add(t.name()); // another replica was first
                    } else {
                        refused.add(t.name() + " (" + reason(e) + ")");
                    }
                } catch (TimeoutException e) {
                    refused.add(t.name() + " (no answer within " + timeout + ")");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Refused("interrupted while creating Kafka topics", e);
                }
            }
            if (!refused.isEmpty()) {
                throw new Refused("the Kafka broker refused to create " + String.join(", ", refused)
                        + " with " + settings.partitions() + " partition(s) and replication factor "
                        + settings.replicationFactor() + " (sculptor.topics.*; set sculptor.topics.create=false when "
                        + "the topics are managed elsewhere)", null);
            }
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<String> fewer = new ArrayList<>();
        if (!existing.isEmpty()) {
            Map<String, TopicDescription> described = describe(admin, existing, timeout);
            for (String name : existing) {
                int n = described.get(name).partitions().size();
                counts.put(name, n);
                if (n < settings.partitions()) {
                    fewer.add(name);
                    LOG.warnf("topic %s has %d partition(s), fewer than sculptor.topics.partitions=%d: left as it is, so at most"
                            + " %d consumer(s) of a group work at once (add partitions with kafka-topics.sh --alter; keys then"
                            + " move to other partitions)", name, n, settings.partitions(), n);
                }
            }
        }
        if (!created.isEmpty()) {
            LOG.infof("created Kafka topics %s (%d partition(s), replication factor %d, retention %s, dead letters %s)",
                    created, settings.partitions(), settings.replicationFactor(), settings.retention(), settings.dlqRetention());
        }
        return new Result(List.copyOf(created), Map.copyOf(counts), List.copyOf(fewer));
    }

    /**
     * Describes topics known to exist. A topic another replica has just created can be listed, or refused as existing,
     * before this broker's metadata has it: that UnknownTopicOrPartition is retried until {@code timeout}.
     */
    private static Map<String, TopicDescription> describe(Admin admin, List<String> names, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(ms(timeout))).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new Refused("cannot describe " + names + " on the Kafka broker: " + reason(e), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused("interrupted while trying to describe " + names, e);
            } catch (TimeoutException e) {
                throw new Refused("cannot describe " + names + ": the Kafka broker did not answer within " + timeout, e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused("interrupted while trying to describe " + names, e);
            }
        }
    }

    private static <T> T get(KafkaFuture<T> f, Duration timeout, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted while trying to " + what, e);
        } catch (ExecutionException e) {
            throw new Refused("cannot " + what + " on the Kafka broker: " + reason(e), e.getCause());
        } catch (TimeoutException e) {
            throw new Refused("cannot " + what + ": the Kafka broker did not answer within " + timeout, e);
        }
    }

    private static String reason(ExecutionException e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static int ms(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }
}
