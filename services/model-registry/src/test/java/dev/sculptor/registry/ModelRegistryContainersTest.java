package dev.sculptor.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.VersionRegistered;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.KafkaContainerResource;
import dev.sculptor.testing.PostgresContainerResource;
import dev.sculptor.testing.S3ContainerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@link ModelRegistryTest}'s round trip (create a model, upload, get, download, the outbox's event) against Kafka,
 * MinIO and PostgreSQL in Docker. Skipped, before Quarkus starts anything, where there is no Docker.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@WithTestResource(KafkaContainerResource.class)
@WithTestResource(S3ContainerResource.class)
@WithTestResource(value = PostgresContainerResource.class, initArgs = @ResourceArg(name = "database", value = "registry"))
class ModelRegistryContainersTest {
    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    @Test
    void uploadGetDownloadAndTheEventAgainstTheContainers(@TempDir Path tmp) throws Exception {
        String model = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        try (RegistryClient client = new RegistryClient(url.getPort())) {
            client.blocking(ModelRegistryTest.ADMIN).createModel(CreateModelRequest.newBuilder().setModelId(model).build());
            Path ck = TestCheckpoints.write(tmp.resolve("v"), TestCheckpoints.TINY, 1, TestCheckpoints.lineage("train"));
            ModelVersion v = client.upload(ModelRegistryTest.ADMIN, ModelRegistryTest.header(model), ck);
            assertEquals("models/" + model + "/versions/1", v.getName());
            assertEquals(ModelVersion.State.READY, v.getState());

            assertEquals(v, client.blocking("read-token").getVersion(GetVersionRequest.newBuilder().setName(v.getName()).build()));
            Path back = tmp.resolve("back");
            client.download(ModelRegistryTest.ADMIN, v.getName(), back);
            for (String f : List.of("manifest.json", "params.bin")) {
                assertArrayEquals(Files.readAllBytes(ck.resolve(f)), Files.readAllBytes(back.resolve(f)), f);
            }

            // the outbox relayed the registration to the broker in its container
            VersionRegistered registered = await("VersionRegistered for " + v.getName()).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> registered(v.getName()), Optional::isPresent).get();
            assertEquals("models/" + model, registered.getModel());
        }
    }

    Optional<VersionRegistered> registered(String version) throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : EmbeddedKafka.consumeAll(kafka, Topics.REGISTRY_EVENTS)) {
            if ("sculptor.v1.VersionRegistered".equals(new String(r.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8))) {
                VersionRegistered e = VersionRegistered.parseFrom(r.value());
                if (e.getVersion().getName().equals(version)) {
                    return Optional.of(e);
                }
            }
        }
        return Optional.empty();
    }
}
