/**
 * Networks as data and as live models. An {@link dev.sculptor.engine.arch.ArchSpec} describes a network
 * (family, widths, classes, input shape); {@link dev.sculptor.engine.arch.LayerGraph} derives its
 * parametrised layers and the channel spaces that tie them without building any tensor;
 * {@link dev.sculptor.engine.arch.Network} is the live DJL model built from that description. FLOPs,
 * parameter counts, importance scores, checkpoints and physical shrinking all address layers and tensors
 * through this one description, so they cannot disagree about what a network is.
 */
package dev.sculptor.engine.arch;
