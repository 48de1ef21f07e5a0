package dev.sculptor.engine.prune;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import java.util.Map;

/**
 * What a pruning method produced.
 *
 * @param network the pruned network (narrower for structured methods, masked for weight-level)
 * @param kept kept channel positions per pruned space (empty for weight-level)
 * @param method method name
 * @param settings the settings used, for lineage
 * @param seconds time spent scoring and pruning
 */
public record PruneResult(Network network, Map<String, int[]> kept, String method, JsonObject settings, double seconds) {}
