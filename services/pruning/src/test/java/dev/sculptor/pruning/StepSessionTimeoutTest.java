package dev.sculptor.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.events.EventConsumer;
import dev.sculptor.pruning.events.PruningStepWorker;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A pruning step that was running when its service died resumes only once the group notices the member is gone, after
 * the step consumer's session timeout; with Kafka's default (45 s) a restarted service would sit that long before its
 * own request came back. The end-to-end kill test allows 60 s, so it would not notice: this pins the setting itself.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "topics", value = Fixtures.TOPICS))
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "pruning"))
@WithTestResource(FakeRegistry.class)
class StepSessionTimeoutTest {
    static final String KEY = "sculptor.pruning.step.session-timeout";
    static final Duration AT_MOST = Duration.ofSeconds(10);

    @Inject
    PruningStepWorker worker;

    @ConfigProperty(name = KEY)
    Duration configured;

    @Test
    void theStepConsumerGetsTheConfiguredShortSessionTimeout() throws Exception {
        EventConsumer consumer = worker.consumer();
        assertNotNull(consumer, "the step worker runs in tests");
        Object sessionMs = consumer.config().get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        assertEquals((int) configured.toMillis(), sessionMs, "session.timeout.ms the consumer was created with (absent: Kafka's 45 s)");
        Object heartbeatMs = consumer.config().get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG);
        assertTrue(heartbeatMs instanceof Integer h && h < (int) sessionMs, "heartbeats well within the session: " + heartbeatMs);

        // what production runs with: the file's value, not one the test profile put in its place
        Properties file = new Properties();
        try (InputStream in = PruningStepWorker.class.getClassLoader().getResourceAsStream("application.properties")) {
            assertNotNull(in, "application.properties on the class path");
            file.load(in);
        }
        String value = file.getProperty(KEY);
        assertNotNull(value, KEY + " is set in application.properties");
        Duration production = DurationConverter.parseDuration(value);
        assertTrue(production.compareTo(AT_MOST) <= 0, KEY + " must be at most " + AT_MOST + " for a quick resume, is " + production);
        assertEquals(production, configured, "the tests run with the production value");
        assertFalse(file.stringPropertyNames().stream().anyMatch(k -> k.startsWith("%") && k.endsWith("." + KEY)),
                "no profile overrides " + KEY);
    }
}
