package dev.sculptor.engine.prune;

import dev.sculptor.engine.arch.Network;
import java.util.Map;

/**
 * Scores each channel of each prunable channel space; higher means more important. A coupled
 * space gets one score per channel for the whole group of layers tied to it.
 */
@FunctionalInterface
public interface Importance {
    /** Space id to one score per channel position. */
    Map<String, float[]> scores(Network net);
}
