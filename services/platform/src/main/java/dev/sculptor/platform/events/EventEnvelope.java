package dev.sculptor.platform.events;

import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One event as it travels on Kafka: the protobuf payload as the record value, CloudEvents 1.0
 * binary-mode headers ({@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_time},
 * {@code ce_subject}, {@code ce_specversion}), and the key (the job or model name; a training request's run) so that one
 * resource's events stay in order within a partition.
 *
 * @param id unique event id; consumers deduplicate on it
 * @param type the payload's full protobuf name, e.g. {@code sculptor.v1.VersionRegistered}
 * @param source the emitting service, e.g. {@code /sculptor/model-registry}
 * @param subject the resource the event is about, e.g. {@code models/m/versions/3}
 * @param key the partition key
 */
public record EventEnvelope(String id, String type, String source, Instant time, String subject, String key,
        byte[] payload) {
    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/protobuf";

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(payload, "payload");
    }

    /** A new event with a fresh id for a payload. */
    public static EventEnvelope of(Message payload, String source, String subject, String key) {
        return new EventEnvelope(UUID.randomUUID().toString(), typeOf(payload), source, Instant.now(), subject, key,
                payload.toByteArray());
    }

    public static String typeOf(Message m) {
        return m.getDescriptorForType().getFullName();
    }

    public ProducerRecord<String, byte[]> toRecord(String topic) {
        Headers h = new RecordHeaders();
        put(h, "ce_id", id);
        put(h, "ce_type", type);
        put(h, "ce_source", source);
        put(h, "ce_time", time.toString());
        if (subject != null) {
            put(h, "ce_subject", subject);
        }
        put(h, "ce_specversion", SPEC_VERSION);
        put(h, "content-type", CONTENT_TYPE);
        return new ProducerRecord<>(topic, null, key, payload, h);
    }

    /**
     * Reads the envelope of a record; a record without the required headers is a poison message.
     *
     * @throws PoisonEventException naming the missing or bad header
     */
    public static EventEnvelope fromRecord(ConsumerRecord<String, byte[]> r) {
        String id = header(r, "ce_id", true);
        String type = header(r, "ce_type", true);
        String source = header(r, "ce_source", true);
        String time = header(r, "ce_time", true);
        String spec = header(r, "ce_specversion", true);
        if (!SPEC_VERSION.equals(spec)) {
            throw new PoisonEventException("unsupported ce_specversion '" + spec + "' (expected 1.0)");
        }
        Instant t;
        try {
            t = Instant.parse(time);
        } catch (RuntimeException e) {
            throw new PoisonEventException("ce_time '" + time + "' is not an RFC 3339 timestamp");
        }
        if (r.value() == null) {
            throw new PoisonEventException("record has no value (payload)");
        }
        return new EventEnvelope(id, type, source, t, header(r, "ce_subject", false), r.key(), r.value());
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name, boolean required) {
        Header h = r.headers().lastHeader(name);
        if (h == null || h.value() == null) {
            if (required) {
                throw new PoisonEventException("missing CloudEvents header " + name);
            }
            return null;
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
