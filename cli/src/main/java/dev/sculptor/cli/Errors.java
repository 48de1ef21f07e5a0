package dev.sculptor.cli;

import dev.sculptor.engine.checkpoint.CheckpointException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns any failure into the one line a person sees after {@code sculptor: }. */
final class Errors {
    private Errors() {}

    static final String PREFIX = "sculptor: ";

    /**
     * The line to print (without the prefix) for a failure talking to {@code target} (null when not yet resolved or not
     * known).
     */
    static String message(Throwable e, Endpoints.Target target) {
        Throwable t = unwrap(e);
        Status status = t instanceof StatusRuntimeException sre ? sre.getStatus()
                : t instanceof StatusException se ? se.getStatus() : null;
        String msg;
        if (status != null) {
            msg = grpc(status, t, target);
        } else if (t instanceof CliException || t instanceof CheckpointException) {
            msg = t.getMessage();
        } else if (t instanceof IOException io) {
            msg = io(io);
        } else {
            msg = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
        return oneLine(msg);
    }

    private static String grpc(Status status, Throwable t, Endpoints.Target target) {
        String where = target == null ? "the configured endpoint" : target.address();
        String who = target == null ? "the service" : target.label();
        if (status.getCode() == Status.Code.UNAVAILABLE && unreachable(t)) {
            if (target == null || target.loopback()) {
                return "cannot reach " + who + " at " + where + " — is the local stack up? (./sculptor up)";
            }
            Throwable cause = rootCause(t);
            return "cannot reach " + who + " at " + where + " (" + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage()) + ")";
        }
        String description = status.getDescription() == null || status.getDescription().isBlank()
                ? (status.getCause() != null && status.getCause().getMessage() != null ? status.getCause().getMessage()
                        : "(no details)")
                : status.getDescription();
        String line = status.getCode() + ": " + description;
        if (status.getCode() == Status.Code.UNAUTHENTICATED && (target == null || target.token() == null)) {
            line += " (no token was sent: pass --token or set " + Endpoints.ENV_TOKEN + ")";
        } else if (status.getCode() == Status.Code.UNAUTHENTICATED || status.getCode() == Status.Code.PERMISSION_DENIED) {
            line += " (check --token / " + Endpoints.ENV_TOKEN + ")";
        } else if (status.getCode() == Status.Code.UNIMPLEMENTED) {
            line += " (" + who + " at " + where + " does not serve this call: an older build, or another service on that port?)";
        }
        return line;
    }

    /** True when the connection itself failed (refused, unknown host, no route), not when the server said UNAVAILABLE. */
    static boolean unreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException
                    || c instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException
                || t instanceof UncheckedIOException || t instanceof picocli.CommandLine.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The JDK's terse file exceptions (often just a path) in words. */
    static String io(IOException e) {
        String what;
        if (e instanceof NoSuchFileException) {
            what = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            what = "file already exists";
        } else if (e instanceof NotDirectoryException) {
            what = "not a directory";
        } else {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return e.getMessage() == null ? what : e.getMessage() + ": " + what;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
