package dev.sculptor.scoring.service;

import java.util.List;

/**
 * What a method's criterion says about one network: channel scores with the channels its policy
 * keeps, block scores, or weight statistics, depending on the method.
 */
public record Scores(List<Channel> channels, List<Block> blocks, List<Weights> weights, double seconds, long samplesUsed) {

    /** One channel space: a score per channel (higher = more important) and the kept positions, increasing. */
    public record Channel(String space, float[] scores, int[] kept) {}

    /** One removable residual block. */
    public record Block(String block, float score, boolean kept) {}

    /** Magnitudes of one layer's weights; {@code threshold} is the global magnitude at or below which weights go. */
    public record Weights(String layer, long count, long nonzero, long pruned, float threshold, float meanAbs, float maxAbs) {}
}
