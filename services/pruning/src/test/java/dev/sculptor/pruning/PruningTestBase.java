package dev.sculptor.pruning;

import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.KafkaResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every @QuarkusTest of the service uses: its gRPC port, the registry's address, the store,
 * the database, a scratch directory and a producer playing the other services on the broker.
 */
abstract class PruningTestBase {
    static EventPublisher publisher;

    @TestHTTPResource("/")
    URL url;

    @ConfigProperty(name = "sculptor.registry.grpc")
    String registry;

    @Inject
    CheckpointStore store;

    @Inject
    AgroalDataSource ds;

    @TempDir
    Path tmp;

    @BeforeAll
    static void producer() {
        publisher = new EventPublisher(KafkaResource.bootstrapServers(), "pruning-test", Duration.ofSeconds(30));
    }

    @AfterAll
    static void closeProducer() {
        publisher.close();
    }
}
