package dev.sculptor.platform.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.testing.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Topics created at start with the configured settings, read back from a real broker with the Admin client. */
class TopicCreatorTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final TopicSettings SETTINGS = new TopicSettings(true, 3, (short) 1, Duration.ofDays(2), Duration.ofDays(9));
    static EmbeddedKafka kafka;
    static Admin admin;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        admin = admin(kafka.bootstrapServers(), TIMEOUT);
    }

    @AfterAll
    static void stop() {
        admin.close();
        kafka.close();
    }

    static Admin admin(String bootstrap, Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        return Admin.create(p);
    }

    static String topic() {
        return "t-topics-" + UUID.randomUUID();
    }

    // A topic the controller has just created can be unknown to the broker's metadata for a moment (TopicCreator
    // retries that itself): the reads below wait it out rather than fail on it.
    static int partitions(String topic) {
        return await("topic " + topic).atMost(TIMEOUT).ignoreExceptionsInstanceOf(ExecutionException.class).until(() -> admin
                .describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size(),
                n -> true);
    }

    static long retentionMs(String topic) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = await("config of " + topic).atMost(TIMEOUT).ignoreExceptionsInstanceOf(ExecutionException.class)
                .until(() -> admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r), x -> true);
        return Long.parseLong(c.get(TopicConfig.RETENTION_MS_CONFIG).value());
    }

    static Set<String> names() throws Exception {
        return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }

    @Test
    void createsEachTopicAndItsDeadLettersWithTheConfiguredPartitionsAndRetention() throws Exception {
        String a = topic();
        String b = topic();
        TopicCreator.Result r = TopicCreator.ensure(admin, List.of(a, b), SETTINGS, TIMEOUT);
        assertEquals(Set.of(a, b, Topics.dlq(a), Topics.dlq(b)), Set.copyOf(r.created()));
        for (String t : List.of(a, b)) {
            assertEquals(3, partitions(t), t);
            assertEquals(Duration.ofDays(2).toMillis(), retentionMs(t), t);
            assertEquals(3, partitions(Topics.dlq(t)), Topics.dlq(t));
            assertEquals(Duration.ofDays(9).toMillis(), retentionMs(Topics.dlq(t)), Topics.dlq(t));
        }
        // a second start (another replica, a restart) finds them all and changes nothing
        TopicCreator.Result again = TopicCreator.ensure(admin, List.of(a, b), SETTINGS, TIMEOUT);
        assertTrue(again.created().isEmpty());
        assertEquals(Map.of(a, 3, b, 3, Topics.dlq(a), 3, Topics.dlq(b), 3), again.existing());
        assertTrue(again.fewerPartitions().isEmpty());
    }

    @Test
    void anExistingTopicIsLeftAsItIsEvenWithFewerPartitions() throws Exception {
        String old = topic();
        EmbeddedKafka.createTopics(kafka.bootstrapServers(), 1, old); // as a state directory from before partitions
        long brokerRetention = retentionMs(old);
        assertFalse(brokerRetention == Duration.ofDays(2).toMillis(), "the test needs a retention that differs from the broker's");

        TopicCreator.Result r = TopicCreator.ensure(admin, List.of(old), SETTINGS, TIMEOUT);
        assertEquals(List.of(old), r.fewerPartitions(), "warned about, not altered");
        assertEquals(Map.of(old, 1), r.existing());
        assertEquals(1, partitions(old));
        assertEquals(brokerRetention, retentionMs(old));
        // the missing dead-letter topic is still created, with the configured settings
        assertEquals(List.of(Topics.dlq(old)), r.created());
        assertEquals(3, partitions(Topics.dlq(old)));
    }

    @Test
    void servicesStartingAtOnceOnTheSameTopicsAllSucceed() throws Exception {
        // as `up` starts five services that share topics: one creates, the others find a topic the broker's metadata may
        // not have yet (UnknownTopicOrPartition on describe, seen in CI) and must wait for it, not fail the start
        for (int round = 0; round < 5; round++) {
            List<String> shared = List.of(topic(), topic());
            int starters = 5;
            ExecutorService pool = Executors.newFixedThreadPool(starters);
            try {
                List<Future<TopicCreator.Result>> results = new ArrayList<>();
                CountDownLatch go = new CountDownLatch(1);
                for (int i = 0; i < starters; i++) {
                    Admin own = admin(kafka.bootstrapServers(), TIMEOUT);
                    results.add(pool.submit(() -> {
                        try (own) {
                            go.await();
                            return TopicCreator.ensure(own, shared, SETTINGS, TIMEOUT);
                        }
                    }));
                }
                go.countDown();
                Set<String> createdByAnyone = new HashSet<>();
                for (var f : results) {
                    TopicCreator.Result r = f.get(60, TimeUnit.SECONDS);
                    createdByAnyone.addAll(r.created());
                    r.existing().forEach((name, n) -> assertEquals(3, n, name));
                    assertTrue(r.fewerPartitions().isEmpty());
                }
                assertEquals(Set.of(shared.get(0), shared.get(1), Topics.dlq(shared.get(0)), Topics.dlq(shared.get(1))),
                        createdByAnyone, "each topic created by one of them");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void createFalseCreatesNothing() throws Exception {
        String t = topic();
        TopicSettings off = new TopicSettings(false, 3, (short) 1, Duration.ofDays(7), Duration.ofDays(30));
        TopicCreator.Result r = TopicCreator.ensure(admin, List.of(t), off, TIMEOUT);
        assertTrue(r.created().isEmpty());
        Set<String> names = names();
        assertFalse(names.contains(t));
        assertFalse(names.contains(Topics.dlq(t)));
    }

    @Test
    void aRefusalNamesTheTopicAndTheBrokersReason() throws Exception {
        String t = topic();
        TopicSettings three = new TopicSettings(true, 3, (short) 3, Duration.ofDays(7), Duration.ofDays(30));
        TopicCreator.Refused e = assertThrows(TopicCreator.Refused.class, () -> TopicCreator.ensure(admin, List.of(t), three, TIMEOUT));
        assertTrue(e.getMessage().contains(t + " (InvalidReplicationFactorException"), e.getMessage());
        assertTrue(e.getMessage().contains("replication factor 3"), e.getMessage());
        assertFalse(names().contains(t));
    }

    @Test
    void anUnreachableBrokerFailsWithinTheTimeout() {
        Duration shortWait = Duration.ofSeconds(2);
        try (Admin nowhere = admin("127.0.0.1:1", shortWait)) {
            TopicCreator.Refused e = assertThrows(TopicCreator.Refused.class,
                    () -> TopicCreator.ensure(nowhere, List.of(topic()), SETTINGS, shortWait));
            assertTrue(e.getMessage().startsWith("cannot list the topics"), e.getMessage());
        }
    }

    @Test
    void theServicesReadinessIsDownUntilItsTopicsExist() throws Exception {
        // as a service's bean is built from its configuration; the start (StartupEvent) then calls ensure()
        TopicSetup setup = new TopicSetup(kafka.bootstrapServers(), Optional.of(List.of(Topics.EVALUATION_EVENTS)), true, 3, 1,
                Duration.ofDays(7), Duration.ofDays(30), TIMEOUT);
        assertEquals(HealthCheckResponse.Status.DOWN, setup.call().getStatus());
        assertFalse(names().contains(Topics.EVALUATION_EVENTS));
        TopicCreator.Result r = setup.ensure();
        assertEquals(List.of(Topics.EVALUATION_EVENTS, Topics.dlq(Topics.EVALUATION_EVENTS)), r.created());
        assertEquals(HealthCheckResponse.Status.UP, setup.call().getStatus());
        assertEquals(3, partitions(Topics.EVALUATION_EVENTS));
        assertEquals(Duration.ofDays(7).toMillis(), retentionMs(Topics.EVALUATION_EVENTS));
        assertEquals(Duration.ofDays(30).toMillis(), retentionMs(Topics.dlq(Topics.EVALUATION_EVENTS)));
        assertSame(r, setup.ensure(), "once per start");
    }

    @Test
    void withTopicCreationOffNoAdminClientIsMadeAndTheServiceIsReady() {
        // a run pod: topics.create=false and a broker address where nothing answers; no client may try to reach it
        TopicSetup setup = new TopicSetup("127.0.0.1:1", Optional.of(List.of(Topics.TRAINING_EVENTS)), false, 3, 1,
                Duration.ofDays(7), Duration.ofDays(30), TIMEOUT);
        setup.admins = p -> {
            throw new AssertionError("an admin client was made for " + p.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        };
        TopicCreator.Result r = setup.ensure();
        assertEquals(List.of(), r.created());
        assertEquals(HealthCheckResponse.Status.UP, setup.call().getStatus());
    }

    @Test
    void badSettingsAndUnknownTopicsAreRefusedNamingTheKey() {
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> new TopicSettings(true, 0, (short) 1, Duration.ofDays(7), Duration.ofDays(30)));
        assertTrue(p.getMessage().startsWith("sculptor.topics.partitions"), p.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> new TopicSettings(true, 3, (short) 1, Duration.ofDays(7), Duration.ZERO));
        assertTrue(d.getMessage().startsWith("sculptor.topics.dlq-retention"), d.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> TopicSetup.checked(List.of(Topics.TRAINING_REQUESTS, "sculptor.trainng.events.v1")));
        assertTrue(u.getMessage().contains("'sculptor.trainng.events.v1'"), u.getMessage());
        assertEquals(List.of(Topics.TRAINING_REQUESTS), TopicSetup.checked(List.of(Topics.TRAINING_REQUESTS)));
    }
}
