package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sculptor.engine.checkpoint.CheckpointException;
import io.grpc.Status;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    static final Endpoints.Target LOCAL = new Endpoints.Target("127.0.0.1", 18081, "tok", "endpoints.json");
    static final Endpoints.Target REMOTE = new Endpoints.Target("registry.example", 443, null, "--endpoint");

    @Test
    void registryErrorsAreCodeAndDescription() {
        assertEquals("NOT_FOUND: models/x not found",
                Errors.message(Status.NOT_FOUND.withDescription("models/x not found").asRuntimeException(), LOCAL));
        assertEquals("INVALID_ARGUMENT: model_id: 'X' must match [a-z][a-z0-9-]{0,62}", Errors.message(
                Status.INVALID_ARGUMENT.withDescription("model_id: 'X' must match [a-z][a-z0-9-]{0,62}").asException(), LOCAL));
        assertEquals("INTERNAL: (no details)", Errors.message(Status.INTERNAL.asRuntimeException(), LOCAL));
        // Wrapped (as an upload's future does) and multi-line.
        assertEquals("FAILED_PRECONDITION: line one line two", Errors.message(new ExecutionException(
                Status.FAILED_PRECONDITION.withDescription("line one\n  line two\n").asRuntimeException()), LOCAL));
    }

    @Test
    void unreachable() {
        Throwable refused = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new ConnectException("Connection refused: /127.0.0.1:18081")).asRuntimeException();
        assertEquals("cannot reach the model registry at 127.0.0.1:18081 — is the local stack up? (./sculptor up)",
                Errors.message(refused, LOCAL));
        Throwable remote = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new java.net.UnknownHostException("registry.example: Name or service not known")).asRuntimeException();
        assertEquals("cannot reach the model registry at registry.example:443 (registry.example: Name or service not known)",
                Errors.message(remote, REMOTE));
        Endpoints.Target pruning = new Endpoints.Target("pruning", "127.0.0.1", 18083, "tok", "endpoints.json");
        assertEquals("cannot reach the pruning service at 127.0.0.1:18083 — is the local stack up? (./sculptor up)",
                Errors.message(refused, pruning));
        // UNAVAILABLE said by the server itself is not a connection failure.
        assertEquals("UNAVAILABLE: object store unavailable",
                Errors.message(Status.UNAVAILABLE.withDescription("object store unavailable").asRuntimeException(), LOCAL));
    }

    @Test
    void authentication() {
        assertEquals("UNAUTHENTICATED: missing bearer token (no token was sent: pass --token or set SCULPTOR_TOKEN)",
                Errors.message(Status.UNAUTHENTICATED.withDescription("missing bearer token").asRuntimeException(), REMOTE));
        assertEquals("UNAUTHENTICATED: unknown bearer token (check --token / SCULPTOR_TOKEN)",
                Errors.message(Status.UNAUTHENTICATED.withDescription("unknown bearer token").asRuntimeException(), LOCAL));
    }

    @Test
    void localFailures() {
        assertEquals("/ck: no manifest.json, not a Sculptor checkpoint",
                Errors.message(new CheckpointException("/ck: no manifest.json,\nnot a Sculptor checkpoint"), null));
        assertEquals("x is not a version", Errors.message(CliException.usage("x is not a version"), null));
        assertEquals("/a/b: no such file or directory", Errors.message(new NoSuchFileException("/a/b"), null));
        assertEquals("IllegalStateException: boom", Errors.message(new IllegalStateException("boom"), null));
    }
}
