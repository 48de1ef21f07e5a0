package dev.sculptor.platform.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import dev.sculptor.testing.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dedupe, retry with backoff and dead letters, against a real Kafka broker. */
class EventConsumerTest {
    static EmbeddedKafka kafka;
    static EventPublisher publisher;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        publisher = new EventPublisher(kafka.bootstrapServers(), "test", Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        publisher.close();
        kafka.close();
    }

    static EventEnvelope event(String text) {
        return EventEnvelope.of(StringValue.of(text), "//sculptor/test", "things/" + text, "key-" + text);
    }

    @Test
    void envelopeRoundTripsThroughCloudEventsHeaders() throws Exception {
        String topic = "t-envelope-" + UUID.randomUUID();
        EventEnvelope e = event("a");
        publisher.publish(topic, e);
        ConsumerRecord<byte[], byte[]> r = EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), topic, 1, Duration.ofSeconds(20)).get(0);
        assertEquals("key-a", new String(r.key(), StandardCharsets.UTF_8));
        assertEquals("google.protobuf.StringValue", new String(r.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8));
        assertEquals(e.id(), new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
        assertEquals("1.0", new String(r.headers().lastHeader("ce_specversion").value(), StandardCharsets.UTF_8));
        assertEquals("things/a", new String(r.headers().lastHeader("ce_subject").value(), StandardCharsets.UTF_8));
        assertEquals("a", StringValue.parseFrom(r.value()).getValue());
    }

    @Test
    void duplicatesAreSkippedFailuresRetriedPoisonDeadLettered() throws Exception {
        String topic = "t-consumer-" + UUID.randomUUID();
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, topic);
        List<String> handled = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        EventConsumer.Handler handler = e -> {
            String text = StringValue.parseFrom(e.payload()).getValue();
            int n = attempts.computeIfAbsent(text, k -> new AtomicInteger()).incrementAndGet();
            if (text.equals("flaky") && n < 3) {
                throw new IllegalStateException("transient failure " + n);
            }
            if (text.equals("broken")) {
                throw new IllegalStateException("always fails");
            }
            if (text.equals("unloadable")) {
                throw new UnsatisfiedLinkError("no torch in java.library.path"); // an Error must not stop the consumer
            }
            handled.add(text);
        };
        try (EventConsumer c = EventConsumer.builder().setBootstrapServers(kafka.bootstrapServers()).setGroupId("g-" + topic)
                .setTopics(topic).setHandler(handler).optMaxAttempts(3)
                .optBackoff(Duration.ofMillis(20), Duration.ofMillis(100)).build().start()) {
            EventEnvelope once = event("once");
            publisher.publish(topic, once);
            publisher.publish(topic, once); // redelivery of the same event id
            publisher.send(new ProducerRecord<>(topic, "poison", "not an event".getBytes(StandardCharsets.UTF_8)));
            publisher.publish(topic, event("flaky"));
            publisher.publish(topic, event("broken"));
            publisher.publish(topic, event("unloadable"));
            publisher.publish(topic, event("after"));
            await("the event after the poison ones").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> handled.contains("after"));
            assertEquals(List.of("once", "flaky", "after"), handled);
            assertEquals(1, c.duplicates());
            assertEquals(3, attempts.get("flaky").get());
            assertEquals(3, attempts.get("broken").get());
            assertEquals(3, attempts.get("unloadable").get());
            assertTrue(c.isRunning());
        }
        List<ConsumerRecord<byte[], byte[]>> dlq = EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), Topics.dlq(topic), 3,
                Duration.ofSeconds(20));
        assertEquals(3, dlq.size());
        assertEquals("missing CloudEvents header ce_id", header(dlq.get(0), "dlq-reason"));
        assertEquals("poison", new String(dlq.get(0).key(), StandardCharsets.UTF_8));
        assertTrue(header(dlq.get(1), "dlq-reason").startsWith("failed after 3 attempts: IllegalStateException: always fails"),
                header(dlq.get(1), "dlq-reason"));
        assertEquals(topic, header(dlq.get(1), "dlq-original-topic"));
        assertEquals("broken", StringValue.parseFrom(dlq.get(1).value()).getValue());
        assertEquals("failed after 3 attempts: UnsatisfiedLinkError: no torch in java.library.path", header(dlq.get(2), "dlq-reason"));
    }

    /** The training topic's case: two groups read it, and a poison record must reach the .dlq once, not once per group. */
    @Test
    void aGroupBesideTheOwnerLeavesPoisonToItSoItIsDeadLetteredOnce() throws Exception {
        String topic = "t-two-groups-" + UUID.randomUUID();
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, topic);
        List<String> owner = new CopyOnWriteArrayList<>();
        List<String> beside = new CopyOnWriteArrayList<>();
        try (EventConsumer o = EventConsumer.builder().setBootstrapServers(kafka.bootstrapServers()).setGroupId("owner-" + topic)
                .setTopics(topic).setHandler(e -> owner.add(StringValue.parseFrom(e.payload()).getValue())).build().start();
                EventConsumer b = EventConsumer.builder().setBootstrapServers(kafka.bootstrapServers()).setGroupId("beside-" + topic)
                        .setTopics(topic).setHandler(e -> beside.add(StringValue.parseFrom(e.payload()).getValue()))
                        .optLeaveDeadLettersTo("owner-" + topic).build().start()) {
            for (int i = 0; i < 4; i++) {
                publisher.send(new ProducerRecord<>(topic, "poison-" + i, ("not an event " + i).getBytes(StandardCharsets.UTF_8)));
            }
            publisher.publish(topic, event("after"));
            await("both groups past the poison").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> owner.contains("after") && beside.contains("after"));
            assertEquals(4, o.deadLettered());
            assertEquals(0, b.deadLettered());
        }
        List<ConsumerRecord<byte[], byte[]>> dlq = EmbeddedKafka.consumeAll(kafka.bootstrapServers(), Topics.dlq(topic));
        assertEquals(List.of("poison-0", "poison-1", "poison-2", "poison-3"),
                dlq.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList(), "each poison record once");
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
