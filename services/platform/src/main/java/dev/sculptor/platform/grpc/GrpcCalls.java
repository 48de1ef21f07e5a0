package dev.sculptor.platform.grpc;

import dev.sculptor.platform.errors.Failures;
import dev.sculptor.platform.errors.PlatformException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The edge of a blocking gRPC method: run the work, and turn what it throws into a canonical status.
 * The one mapping from a failure's code ({@link dev.sculptor.platform.errors.PlatformException.Code})
 * to {@link Status} is here: by name, the codes being gRPC's.
 */
public final class GrpcCalls {
    private GrpcCalls() {}

    /** The work's result, or its failure as {@code status} maps it. */
    public static <T> Uni<T> call(Supplier<T> work, Function<Throwable, Throwable> status) {
        try {
            return Uni.createFrom().item(work.get());
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(status.apply(e));
        }
    }

    /**
     * The status a failure ends a call with: a status as it is, anything else as {@code classify}
     * codes it (a service's classification, ending in {@link Failures#classify}), with its message as
     * the description; a message that repeats the database's text is replaced as
     * {@link Failures#database} replaces it, whatever the service's classification did. What the
     * client is not told is logged: an INTERNAL failure is a bug (with its stack trace), an UNAVAILABLE
     * one names the part that is down.
     */
    public static Throwable status(Throwable e, Function<Throwable, PlatformException> classify, Logger log) {
        if (e instanceof StatusRuntimeException) {
            return e;
        }
        PlatformException c = classify.apply(e);
        PlatformException db = Failures.database(c);
        if (db != null) {
            c = db;
        }
        if (c.code() == PlatformException.Code.INTERNAL) {
            log.error("unexpected failure: " + c.getMessage(), e);
        } else if (c.code() == PlatformException.Code.UNAVAILABLE) {
            log.warnf("%s (%s)", c.getMessage(), causes(e));
        }
        return status(c.code(), c.getMessage());
    }

    /** The messages of {@code e} and its causes, for a log line without a stack trace. */
    static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        Throwable t = e;
        for (int depth = 0; t != null && depth < 8; t = t.getCause(), depth++) {
            if (b.length() > 0) {
                b.append(" <- ");
            }
            b.append(t);
        }
        return b.toString();
    }

    /** The canonical status named like {@code code} (its names are gRPC's), with the message as its description. */
    public static StatusRuntimeException status(PlatformException.Code code, String message) {
        return Status.fromCode(Status.Code.valueOf(code.name())).withDescription(message).asRuntimeException();
    }
}
