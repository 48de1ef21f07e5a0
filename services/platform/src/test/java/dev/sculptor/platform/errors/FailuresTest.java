package dev.sculptor.platform.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.platform.datasets.DatasetException;
import dev.sculptor.platform.errors.PlatformException.Code;
import dev.sculptor.platform.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
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

    @Test
    void theDatabasesTextNeverBecomesAMessage() {
        // what Transactions makes of PostgreSQL's errors
        SQLException nul = new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021");
        PlatformException wrapped = PlatformException.unavailable("database error: " + nul.getMessage(), nul);
        PlatformException p = Failures.classify(wrapped);
        assertEquals(Code.INTERNAL, p.code());
        assertEquals(Failures.DATABASE_ERROR, p.getMessage());
        assertSame(wrapped, p.getCause());
        assertFalse(Failures.retryable(wrapped));
        SQLException refused = new SQLException("Connection to 127.0.0.1:15432 refused.", "08001");
        assertEquals(Failures.DATABASE_UNAVAILABLE, Failures.classify(PlatformException.unavailable("database error: "
                + refused.getMessage(), refused)).getMessage());
        assertTrue(Failures.retryable(PlatformException.unavailable("database error: " + refused.getMessage(), refused)));
        SQLException taken = new SQLException("ERROR: duplicate key value violates unique constraint \"models_pkey\"", "23505");
        sorted(Code.ALREADY_EXISTS, Failures.DATABASE_TAKEN, new PlatformException(Code.ALREADY_EXISTS, "already exists: "
                + taken.getMessage(), taken));
        // an exception that is or wraps one, whatever its own message
        sorted(Code.INTERNAL, Failures.DATABASE_ERROR, new SQLException("ERROR: syntax error at or near \"FROM\"", "42601"));
        sorted(Code.INTERNAL, Failures.DATABASE_ERROR, new IllegalStateException("x: " + taken.getMessage(), taken));
        sorted(Code.UNAVAILABLE, Failures.DATABASE_UNAVAILABLE, new RuntimeException(new SQLException("Acquisition timeout")));
        sorted(Code.UNAVAILABLE, Failures.DATABASE_UNAVAILABLE, new SQLTransientConnectionException("gone", "99999"));
        sorted(Code.UNAVAILABLE, Failures.DATABASE_UNAVAILABLE, new SQLException("terminating connection due to administrator command",
                "57P01"));
        sorted(Code.UNAVAILABLE, Failures.DATABASE_UNAVAILABLE, new SQLException("could not serialize access", "40001"));
        // a service's own words about a database failure stay
        PlatformException own = new PlatformException(Code.ALREADY_EXISTS, "pruneJobs/j already exists",
                new PlatformException(Code.ALREADY_EXISTS, "already exists: " + taken.getMessage(), taken));
        assertSame(own, Failures.classify(own));
        assertNull(Failures.database(own));
        assertNull(Failures.database(new IllegalStateException("boom")));
    }
}
