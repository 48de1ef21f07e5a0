package dev.sculptor.platform.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class FailuresTest {
    static void sorted(Code code, String message, Throwable e) {
        PlatformException p = Failures.classify(e);
        assertEquals(code, p.code(), e.toString());
        assertEquals(message, p.getMessage());
        assertSame(e, p.getCause());
    }

    @Test
    void sharedPartsFailuresGetTheirCodes() {
        PlatformException given = PlatformException.alreadyExists("models/m");
        assertSame(given, Failures.classify(given));
        assertEquals("models/m already exists", given.getMessage());
        sorted(Code.NOT_FOUND, "s3://b/x: no objects", new StoreException.NotFound("s3://b/x: no objects"));
        sorted(Code.UNAVAILABLE, "store down", new StoreException.Unavailable("store down", null));
        sorted(Code.UNAVAILABLE, "odd", new StoreException("odd"));
        sorted(Code.FAILED_PRECONDITION, "the stored checkpoint is unusable: s3://b/x: SHA-256 mismatch",
                new StoreException.Corrupt("s3://b/x: SHA-256 mismatch"));
        sorted(Code.FAILED_PRECONDITION, "the stored checkpoint is unusable: params.bin: bad", new CheckpointException("params.bin: bad"));
        sorted(Code.INVALID_ARGUMENT, new DatasetException.Invalid("x", "bad").getMessage(), new DatasetException.Invalid("x", "bad"));
        sorted(Code.UNAVAILABLE, "disk", new UncheckedIOException("disk", new IOException("full")));
        sorted(Code.INTERNAL, "IllegalStateException: boom", new IllegalStateException("boom"));
        assertTrue(Failures.retryable(new StoreException.Unavailable("down", null)));
        assertFalse(Failures.retryable(new IllegalStateException("boom")));
    }
}
