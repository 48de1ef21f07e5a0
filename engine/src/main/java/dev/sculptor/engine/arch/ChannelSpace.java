package dev.sculptor.engine.arch;

import java.util.List;

/**
 * A set of channels that must be pruned together: the output channels of one conv, or channels
 * tied by residual additions (every conv writing into a residual stream shares one space).
 *
 * @param id space name
 * @param size number of channels
 * @param prunable whether structured pruning may remove channels of this space
 * @param reason why it is not prunable (null when prunable)
 * @param producers layers whose output filters are exactly these channels (weights scored by L1)
 * @param bn the BatchNorm whose scales gate these channels (Network Slimming's importance), or null
 * @param bnIndices for a selection space: the BN channel behind each position; null = identity
 */
public record ChannelSpace(
        String id,
        int size,
        boolean prunable,
        String reason,
        List<String> producers,
        String bn,
        List<Integer> bnIndices) {

    public ChannelSpace {
        producers = List.copyOf(producers);
        bnIndices = bnIndices == null ? null : List.copyOf(bnIndices);
    }

    /** The BN channel that gates position i of this space. */
    public int bnChannel(int i) {
        return bnIndices == null ? i : bnIndices.get(i);
    }

    /** A coupled space has several producers; pruning it touches all of them. */
    public boolean coupled() {
        return producers.size() > 1;
    }
}
