package dev.sculptor.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void plainProducerAndGroupConsumerExchangeARecord() throws Exception {
        String topic = "sculptor.test.events.v1";
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 2, topic);

        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            sent = producer.send(new ProducerRecord<>(topic, "job-1", "pruned")).get();
        }
        assertEquals(topic, sent.topic());
        assertEquals(0L, sent.offset());

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sculptor-test-group");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(1)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return !received.isEmpty();
            });
            consumer.commitSync();
        }
        assertEquals(1, received.size());
        assertEquals("job-1", received.get(0).key());
        assertEquals("pruned", received.get(0).value());
        assertEquals(sent.partition(), received.get(0).partition());
    }

    @Test
    void helpersReadEveryRecordOfATopic() throws Exception {
        String topic = "sculptor.test.helpers.v1";
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 3, topic);
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 3, topic); // existing topic: no error
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> all = EmbeddedKafka.consumeAll(kafka.bootstrapServers(), topic);
        assertEquals(10, all.size());
        assertEquals(3, all.stream().map(ConsumerRecord::partition).distinct().count());
        assertTrue(all.stream().anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).equals("v7")));

        List<ConsumerRecord<String, String>> awaited = EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), topic,
                10, Duration.ofSeconds(10), new StringDeserializer(), new StringDeserializer());
        assertEquals(10, awaited.size());

        assertTrue(EmbeddedKafka.consumeAll(kafka.bootstrapServers(), "sculptor.test.absent.v1").isEmpty());
        assertThrows(AssertionError.class, () -> EmbeddedKafka.awaitRecords(kafka.bootstrapServers(),
                "sculptor.test.absent.v1", 1, Duration.ofSeconds(1)));
    }

    @Test
    void awaitRecordsSeesATopicCreatedLater() throws Exception {
        String topic = "sculptor.test.later.v1";
        CompletableFuture<List<ConsumerRecord<String, String>>> awaited = CompletableFuture.supplyAsync(() ->
                EmbeddedKafka.awaitRecords(kafka.bootstrapServers(), topic, 1, Duration.ofSeconds(30),
                        new StringDeserializer(), new StringDeserializer()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            producer.send(new ProducerRecord<>(topic, "late", "arrival")).get(); // auto-created
        }
        assertEquals("arrival", awaited.get(60, TimeUnit.SECONDS).get(0).value());
    }

    private static Map<String, Object> producerProperties() {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all");
    }
}
