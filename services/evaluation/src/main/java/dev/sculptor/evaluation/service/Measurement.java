package dev.sculptor.evaluation.service;

/**
 * What was measured of one checkpoint; plain values, mapped to protobuf and rows at the edges.
 *
 * @param archName the architecture's display name from the manifest
 * @param method the pruning method recorded in the manifest's lineage; null when none
 * @param accuracy top-1 accuracy on the evaluated test images, in [0, 1]
 * @param loss mean cross-entropy on them
 * @param examples how many test images were evaluated
 * @param params parameters (non-zero ones only for masked models), from the engine's ModelStats
 * @param flops multiply-accumulates per image, likewise
 * @param latencyMs median time of one forward pass of {@code latencyBatch} images; null when not measured
 * @param imagesPerSecond throughput at {@code latencyBatch}; null when not measured
 * @param latencyBatch batch size of the latency measurement; 0 when not measured
 */
public record Measurement(String archName, String method, double accuracy, double loss, long examples, long params, long flops,
        Double latencyMs, Double imagesPerSecond, int latencyBatch) {}
