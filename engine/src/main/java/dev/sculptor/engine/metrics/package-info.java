/**
 * What a network is worth and what it costs: top-1 accuracy and mean cross-entropy on a dataset
 * ({@link dev.sculptor.engine.metrics.Evaluator}), parameters and FLOPs from the architecture or, for a
 * masked network, from its surviving weights ({@link dev.sculptor.engine.metrics.ModelStats}), and measured
 * latency and throughput ({@link dev.sculptor.engine.metrics.Latency}, median and spread over repetitions). The services report these numbers;
 * none of them is computed anywhere else.
 */
package dev.sculptor.engine.metrics;
