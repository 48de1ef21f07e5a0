package dev.sculptor.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.errors.PlatformException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.SQLException;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

class GrpcCallsTest {
    private static final Logger LOG = Logger.getLogger(GrpcCallsTest.class);

    private static PlatformException classify(Throwable e) {
        return e instanceof PlatformException pe ? pe
                : new PlatformException(PlatformException.Code.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    @Test
    void codesMapByName() {
        Status s = ((StatusRuntimeException) GrpcCalls.status(PlatformException.invalid("page_size", "must be >= 0"),
                GrpcCallsTest::classify, LOG)).getStatus();
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals("page_size: must be >= 0", s.getDescription());
        Status internal = ((StatusRuntimeException) GrpcCalls.status(new IllegalStateException("boom"), GrpcCallsTest::classify, LOG))
                .getStatus();
        assertEquals(Status.Code.INTERNAL, internal.getCode());
        assertEquals("IllegalStateException: boom", internal.getDescription());
    }

    @Test
    void everyCodeIsTheStatusOfItsName() {
        for (PlatformException.Code code : PlatformException.Code.values()) {
            StatusRuntimeException s = GrpcCalls.status(code, "why");
            assertEquals(code.name(), s.getStatus().getCode().name());
            assertEquals("why", s.getStatus().getDescription());
            assertEquals(code == PlatformException.Code.UNAVAILABLE, new PlatformException(code, "why").transientFailure());
        }
    }

    @Test
    void aStatusPassesThrough() {
        StatusRuntimeException e = Status.UNAUTHENTICATED.asRuntimeException();
        assertSame(e, GrpcCalls.status(e, GrpcCallsTest::classify, LOG));
    }

    @Test
    void callTurnsAFailureIntoItsStatus() {
        StatusRuntimeException s = assertThrows(StatusRuntimeException.class, () -> GrpcCalls.<String>call(() -> {
            throw PlatformException.notFound("models/x");
        }, e -> GrpcCalls.status(e, GrpcCallsTest::classify, LOG)).await().indefinitely());
        assertEquals(Status.Code.NOT_FOUND, s.getStatus().getCode());
        assertEquals("models/x not found", s.getStatus().getDescription());
        assertEquals("ok", GrpcCalls.call(() -> "ok", e -> e).await().indefinitely());
    }

    @Test
    void theDatabasesTextNeverReachesTheClient() {
        // a service whose classification returns a PlatformException as it is still answers without it
        SQLException nul = new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021");
        Status s = ((StatusRuntimeException) GrpcCalls.status(PlatformException.unavailable("database error: " + nul.getMessage(), nul),
                GrpcCallsTest::classify, LOG)).getStatus();
        assertEquals(Status.Code.INTERNAL, s.getCode());
        assertEquals(dev.sculptor.platform.errors.Failures.DATABASE_ERROR, s.getDescription());
        SQLException down = new SQLException("Connection to 127.0.0.1:15432 refused. Check that the hostname and port are correct", "08001");
        s = ((StatusRuntimeException) GrpcCalls.status(new IllegalStateException("wrapped", down),
                dev.sculptor.platform.errors.Failures::classify, LOG)).getStatus();
        assertEquals(Status.Code.UNAVAILABLE, s.getCode());
        assertEquals(dev.sculptor.platform.errors.Failures.DATABASE_UNAVAILABLE, s.getDescription());
        assertTrue(GrpcCalls.causes(new IllegalStateException("wrapped", down)).contains("15432 refused"));
    }
}
