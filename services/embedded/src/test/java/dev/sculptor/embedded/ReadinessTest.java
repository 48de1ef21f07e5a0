package dev.sculptor.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    @Test
    void nothingListeningIsAReasonNotAnException() {
        int port = Loopback.freePort();
        assertEquals("nothing listens on 127.0.0.1:" + port, Readiness.kafka("127.0.0.1:" + port));
        assertEquals("nothing listens on http://127.0.0.1:" + port, Readiness.s3("http://127.0.0.1:" + port, "a", "b"));
        assertEquals("nothing listens on 127.0.0.1:" + port, Readiness.postgres(port, "pw"));
        assertTrue(Loopback.bindable(port));
        assertFalse(Loopback.listening(port, 200));
    }

    @Test
    void awaitReturnsOnceReadyAndNamesTheLastReasonOnTimeout() {
        AtomicInteger calls = new AtomicInteger();
        Readiness.await("thing", Duration.ofSeconds(10), () -> calls.incrementAndGet() < 3 ? "not yet " + calls.get() : null);
        assertEquals(3, calls.get());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Readiness.await("thing", Duration.ofMillis(200), () -> "still starting"));
        assertEquals("thing was not ready within 0 s: still starting", e.getMessage());
    }

    @Test
    void rootMessageIsTheInnermostCauseFirstLine() {
        Exception e = new IllegalStateException("outer", new IOException("inner\nsecond line"));
        assertEquals("IOException: inner", Readiness.rootMessage(e));
        assertEquals("RuntimeException", Readiness.rootMessage(new RuntimeException()));
    }
}
