package dev.sculptor.registry.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A model version as stored.
 *
 * @param archJson the engine's ArchSpec JSON
 * @param metrics what the platform measured (a manifest's metrics when the platform's own training or pruning wrote it)
 * @param claimedMetrics what the manifest of a checkpoint from elsewhere (an upload) claims; never measured
 * @param lineageJson parentVersion, pruneJob, method, settings, triggerEventId (JSON), or null
 * @param checkpointPrefix object-store prefix of the checkpoint parts
 */
public record VersionRow(String model, int number, String description, List<String> tags, String archJson,
        Map<String, Double> metrics, Map<String, Double> claimedMetrics, String lineageJson, String checkpointPrefix,
        String manifestSha256, long sizeBytes, long params, long flops, Instant createTime) {

    public String name() {
        return "models/" + model + "/versions/" + number;
    }
}
