package dev.sculptor.engine.arch;

/** A bad architecture, preset or pruning setting; the message names the field and the problem. */
public final class ArchException extends IllegalArgumentException {
    public ArchException(String message) {
        super(message);
    }
}
