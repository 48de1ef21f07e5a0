package dev.sculptor.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.UploadVersionHeader;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The same registry round trip against the production images (Kafka, MinIO, PostgreSQL) in
 * Testcontainers; skipped cleanly where there is no Docker, as on the build machines.
 */
@QuarkusTest
@Testcontainers(disabledWithoutDocker = true)
@TestProfile(ModelRegistryContainersTest.Containers.class)
@WithTestResource(ContainersResource.class)
class ModelRegistryContainersTest {
    public static class Containers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of();
        }
    }

    @TestHTTPResource("/")
    URL url;

    @Test
    void uploadAndDownloadAgainstRealImages(@TempDir Path tmp) throws Exception {
        try (RegistryClient client = new RegistryClient(url.getPort())) {
            client.blocking("admin-token").createModel(CreateModelRequest.newBuilder().setModelId("tc").build());
            Path ck = TestCheckpoints.write(tmp.resolve("v"), TestCheckpoints.TINY, 1, null);
            ModelVersion v = client.upload("admin-token", UploadVersionHeader.newBuilder().setParent("models/tc").build(), ck);
            assertEquals(1, v.getVersionNumber());
            client.download("admin-token", v.getName(), tmp.resolve("back"));
            assertArrayEquals(Files.readAllBytes(ck.resolve("params.bin")), Files.readAllBytes(tmp.resolve("back/params.bin")));
        }
    }
}
