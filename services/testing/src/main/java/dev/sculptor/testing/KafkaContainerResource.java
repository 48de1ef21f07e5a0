package dev.sculptor.testing;

import java.util.Map;

import org.testcontainers.kafka.KafkaContainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * {@link KafkaResource}'s Docker-backed twin: an Apache Kafka broker (KRaft, image {@link ContainerImages#kafka()})
 * in a container of its own, started by {@link #start} and removed by {@link #stop}. It takes the same init args
 * ({@code topics}, {@code partitions}) and returns the same keys, so a test switches by annotation. Use it only in a
 * class that skips without Docker ({@code @Testcontainers(disabledWithoutDocker = true)}).
 */
public class KafkaContainerResource implements QuarkusTestResourceLifecycleManager {

    private String[] topics = new String[0];
    private int partitions = 1;
    private KafkaContainer kafka;

    @Override
    public void init(Map<String, String> initArgs) {
        topics = KafkaResource.topics(initArgs);
        partitions = KafkaResource.partitions(initArgs);
    }

    @Override
    public Map<String, String> start() {
        kafka = new KafkaContainer(ContainerImages.kafka());
        kafka.start();
        String bootstrap = kafka.getBootstrapServers();
        if (topics.length > 0) {
            EmbeddedKafka.createTopics(bootstrap, partitions, topics);
        }
        return KafkaResource.config(bootstrap);
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.stop();
        }
    }
}
