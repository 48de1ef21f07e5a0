package dev.sculptor.platform.events;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * An at-least-once consumer that never stops on a bad message: each record is handled in order,
 * skipped if its event id was already processed, retried with exponential backoff when the handler
 * fails, and sent to {@code <topic>.dlq} with the reason once retries are exhausted or at once when
 * the event is poison (unless another group on the topic owns dead-lettering: {@link Builder#optLeaveDeadLettersTo}).
 * Offsets are committed only after a record is handled or dead-lettered.
 */
public final class EventConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    /** Handles one event; throwing retries it, throwing {@link PoisonEventException} dead-letters it. */
    @FunctionalInterface
    public interface Handler {
        void handle(EventEnvelope event) throws Exception;
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Object> config;
    private final EventPublisher dlqPublisher;
    private final List<String> topics;
    private final Handler handler;
    private final ProcessedEvents processed;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final String deadLetterOwner;
    private final AtomicBoolean running = new AtomicBoolean();
    private final Thread thread;

    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    private EventConsumer(Builder b) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, b.groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, b.groupId + "-" + ProcessHandle.current().pid());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, b.maxPollRecords);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) b.maxPollInterval.toMillis());
        if (b.sessionTimeout != null) {
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) b.sessionTimeout.toMillis());
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, b.sessionTimeout.toMillis() / 4));
        }
        this.config = p.entrySet().stream().collect(Collectors.toUnmodifiableMap(e -> (String) e.getKey(), Map.Entry::getValue));
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.dlqPublisher = new EventPublisher(b.bootstrapServers, b.groupId + "-dlq", Duration.ofSeconds(30));
        this.topics = List.copyOf(b.topics);
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.processed = b.processed != null ? b.processed : ProcessedEvents.inMemory(100_000);
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.deadLetterOwner = b.deadLetterOwner;
        this.thread = new Thread(this::loop, "consumer-" + b.groupId);
        this.thread.setDaemon(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    public EventConsumer start() {
        running.set(true);
        consumer.subscribe(topics);
        thread.start();
        return this;
    }

    public long handled() {
        return handled.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long retries() {
        return retries.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * The settings the Kafka consumer was created with ({@code ConsumerConfig} names), such as {@code session.timeout.ms}:
     * for tests that a service's worker really gets what its configuration says.
     */
    public Map<String, Object> config() {
        return config;
    }

    public boolean isRunning() {
        return running.get() && thread.isAlive();
    }

    private void loop() {
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(250));
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (!running.get()) {
                        return;
                    }
                    org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(r.topic(), r.partition());
                    try {
                        process(r);
                    } catch (WakeupException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        // e.g. the dead-letter topic could not be written: take the record again later rather than lose it
                        LOG.errorf(e, "record %s[%d]@%d not handled; it is read again", r.topic(), r.partition(), r.offset());
                        consumer.seek(tp, r.offset());
                        sleep(maxBackoff);
                        break;
                    }
                    try {
                        consumer.commitSync(java.util.Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1)));
                    } catch (WakeupException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        // a broker blip or a rebalance: the record may come again, which the processed ids make harmless
                        LOG.warnf("commit of %s[%d]@%d failed: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "consumer of %s stopped", topics);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    void process(ConsumerRecord<String, byte[]> r) {
        EventEnvelope e;
        try {
            e = EventEnvelope.fromRecord(r);
        } catch (PoisonEventException ex) {
            deadLetter(r, ex.getMessage(), 0);
            return;
        }
        Duration backoff = initialBackoff;
        String reason = null;
        for (int attempt = 1; attempt <= maxAttempts && running.get(); attempt++) {
            try {
                // inside the retry loop: a database that is briefly down must not stop the consumer
                if (processed.seen(e.id())) {
                    duplicates.incrementAndGet();
                    return;
                }
                handler.handle(e);
                processed.markProcessed(e.id());
                handled.incrementAndGet();
                return;
            } catch (PoisonEventException ex) {
                deadLetter(r, ex.getMessage(), attempt);
                return;
            } catch (Exception | Error ex) {
                // an Error too (a native library that does not load, memory short for one big event): it is the event's
                // failure, retried and then dead-lettered; a consumer thread that died would leave its partitions unread
                reason = ex.getClass().getSimpleName() + ": " + ex.getMessage();
                LOG.warnf("event %s (%s) failed, attempt %d of %d: %s", e.id(), e.type(), attempt, maxAttempts, reason);
                if (attempt < maxAttempts) {
                    retries.incrementAndGet();
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
                }
            }
        }
        if (running.get()) {
            deadLetter(r, "failed after " + maxAttempts + " attempts: " + reason, maxAttempts);
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> r, String reason, int attempts) {
        if (deadLetterOwner != null) {
            LOG.debugf("skipped %s[%d]@%d (group %s dead-letters it): %s", r.topic(), r.partition(), r.offset(),
                    deadLetterOwner, reason);
            return;
        }
        ProducerRecord<String, byte[]> d = new ProducerRecord<>(Topics.dlq(r.topic()), null, r.key(), r.value(), r.headers());
        d.headers().add("dlq-reason", reason.getBytes(StandardCharsets.UTF_8));
        d.headers().add("dlq-original-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        d.headers().add("dlq-original-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        d.headers().add("dlq-original-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        d.headers().add("dlq-attempts", Integer.toString(attempts).getBytes(StandardCharsets.UTF_8));
        dlqPublisher.send(d);
        deadLettered.incrementAndGet();
        LOG.warnf("dead-lettered %s[%d]@%d to %s: %s", r.topic(), r.partition(), r.offset(), Topics.dlq(r.topic()), reason);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (running.getAndSet(false)) {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dlqPublisher.close();
    }

    /** Settings of a consumer; bootstrap servers, group, topics and handler are required. */
    public static final class Builder {
        private String bootstrapServers;
        private String groupId;
        private List<String> topics = List.of();
        private Handler handler;
        private ProcessedEvents processed;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private int maxPollRecords = 50;
        private Duration maxPollInterval = Duration.ofMinutes(5);
        /** 10 s, not Kafka's 45 s: a restarted service gets its unfinished records back within seconds. */
        private Duration sessionTimeout = Duration.ofSeconds(10);
        private String deadLetterOwner;

        public Builder setBootstrapServers(String s) {
            this.bootstrapServers = s;
            return this;
        }

        public Builder setGroupId(String g) {
            this.groupId = g;
            return this;
        }

        public Builder setTopics(String... t) {
            this.topics = List.of(t);
            return this;
        }

        public Builder setHandler(Handler h) {
            this.handler = h;
            return this;
        }

        public Builder optProcessedEvents(ProcessedEvents p) {
            this.processed = p;
            return this;
        }

        public Builder optMaxAttempts(int n) {
            this.maxAttempts = n;
            return this;
        }

        public Builder optBackoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** For handlers that run long work (training) in the poll thread. */
        public Builder optMaxPollInterval(Duration d, int records) {
            this.maxPollInterval = d;
            this.maxPollRecords = records;
            return this;
        }

        /**
         * How long the group waits for a silent member (one that died) before handing its partitions, and so its
         * unfinished record, to another (or to itself restarted); 10 s unless set (Kafka's default is 45 s). Heartbeats come from a background thread, so a
         * long handler does not make a member silent.
         */
        public Builder optSessionTimeout(Duration d) {
            this.sessionTimeout = d;
            return this;
        }

        /**
         * For a group that reads beside another group on the same topics: a record this group cannot handle is
         * skipped, never dead-lettered, since {@code ownerGroup} reads it too and dead-letters it; otherwise each
         * such record would land in the {@code .dlq} once per group.
         */
        public Builder optLeaveDeadLettersTo(String ownerGroup) {
            this.deadLetterOwner = Objects.requireNonNull(ownerGroup, "ownerGroup");
            return this;
        }

        public EventConsumer build() {
            return new EventConsumer(this);
        }
    }
}
