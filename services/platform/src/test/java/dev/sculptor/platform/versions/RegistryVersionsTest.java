package dev.sculptor.platform.versions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.platform.errors.PlatformException;
import dev.sculptor.platform.errors.PlatformException.Code;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Version names resolved through a registry speaking the real ModelRegistry protocol over the network. */
class RegistryVersionsTest {
    static Server server;

    /** Answers GetVersion like the registry does, for a token it knows. */
    static final class FakeRegistry extends ModelRegistryGrpc.ModelRegistryImplBase {
        @Override
        public void getVersion(GetVersionRequest r, StreamObserver<ModelVersion> out) {
            ModelVersion.Builder v = ModelVersion.newBuilder().setState(ModelVersion.State.READY);
            switch (r.getName()) {
                case "models/m/versions/production", "models/m/versions/3" -> v.setName("models/m/versions/3")
                        .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://ours/models/m/versions/3/").setManifestSha256("ab12"))
                        .setLineage(Lineage.newBuilder().setMethod("l1").setRetrainMode(RetrainMode.FINE_TUNE));
                case "models/m/versions/4" -> v.setName("models/m/versions/4").setState(ModelVersion.State.REGISTERING);
                case "models/m/versions/5" -> v.setName("models/m/versions/5")
                        .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://theirs/models/m/versions/5/"));
                default -> {
                    out.onError(Status.NOT_FOUND.withDescription(r.getName() + " not found").asRuntimeException());
                    return;
                }
            }
            out.onNext(v.build());
            out.onCompleted();
        }
    }

    static final ServerInterceptor AUTH = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
            if (!"Bearer reader".equals(h.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)))) {
                call.close(Status.UNAUTHENTICATED.withDescription("unknown bearer token"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, h);
        }
    };

    @BeforeAll
    static void start() throws Exception {
        server = ServerBuilder.forPort(0).addService(ServerInterceptors.intercept(new FakeRegistry(), AUTH)).build().start();
    }

    @AfterAll
    static void stop() {
        server.shutdownNow();
    }

    RegistryVersions source(String token) {
        return new RegistryVersions("127.0.0.1:" + server.getPort(), token, "ours", Duration.ofSeconds(10));
    }

    @Test
    void aliasesResolveToTheNumberedVersionAndItsCheckpoint() {
        try (RegistryVersions s = source("reader")) {
            ResolvedVersion v = s.resolve("model_version", "models/m/versions/production");
            assertEquals(new ResolvedVersion("models/m/versions/3", "models/m/versions/3/", "ab12", "l1", "FINE_TUNE"), v);
        }
    }

    @Test
    void refusalsMapToCodes() {
        try (RegistryVersions s = source("reader")) {
            PlatformException missing = assertThrows(PlatformException.class, () -> s.resolve("f", "models/m/versions/9"));
            assertEquals(Code.NOT_FOUND, missing.code());
            assertEquals("models/m/versions/9 not found", missing.getMessage());
            assertEquals(Code.FAILED_PRECONDITION, assertThrows(PlatformException.class,
                    () -> s.resolve("f", "models/m/versions/4")).code());
            PlatformException elsewhere = assertThrows(PlatformException.class, () -> s.resolve("f", "models/m/versions/5"));
            assertTrue(elsewhere.getMessage().contains("outside this service's bucket ours"), elsewhere.getMessage());
            assertEquals(Code.INVALID_ARGUMENT, assertThrows(PlatformException.class, () -> s.resolve("f", "models/m")).code());
        }
        try (RegistryVersions s = source("wrong")) {
            PlatformException refused = assertThrows(PlatformException.class, () -> s.resolve("f", "models/m/versions/3"));
            assertTrue(refused.getMessage().contains("refused this service's token (sculptor.registry.token)"), refused.getMessage());
        }
        try (RegistryVersions s = new RegistryVersions("127.0.0.1:1", "reader", "ours", Duration.ofSeconds(5))) {
            assertEquals(Code.UNAVAILABLE, assertThrows(PlatformException.class, () -> s.resolve("f", "models/m/versions/3")).code());
        }
    }
}
