package dev.sculptor.engine.checkpoint;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Any failure to read or write a checkpoint: corrupt or foreign files as well as I/O errors.
 *
 * <p>Unchecked so that the model mapper and the CLI need not thread {@code IOException} through every
 * layer; the message is one line that starts with the file concerned and says what is wrong, so it can
 * be shown to a user without the stack trace.
 */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(oneLine(message));
    }

    public CheckpointException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** An I/O failure on {@code file} while doing {@code action} (e.g. "cannot read"). */
    static CheckpointException io(Path file, String action, IOException e) {
        return new CheckpointException(file + ": " + action + ": " + describe(e), e);
    }

    /** Turns the terse JDK exceptions (whose message is often only a path) into words. */
    static String describe(IOException e) {
        String what;
        if (e instanceof NoSuchFileException) {
            what = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            what = "file already exists";
        } else if (e instanceof DirectoryNotEmptyException) {
            what = "directory not empty";
        } else if (e instanceof NotDirectoryException) {
            what = "not a directory";
        } else {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return e.getMessage() == null ? what : what + " (" + e.getMessage() + ")";
    }

    static String oneLine(String s) {
        return s == null ? null : s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
