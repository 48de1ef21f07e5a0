/**
 * Measured speed figures of the engine on this machine (training and inference throughput, the speedup of
 * pruned models against their FLOPs reduction, the cost of padded channels), run by
 * {@code ./sculptor engine bench} and {@code bench/engine.sh}. Benchmarks, not tests: they print numbers and
 * assert nothing, so they live apart from the code they measure.
 */
package dev.sculptor.engine.bench;
