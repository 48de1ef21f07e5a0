/**
 * Numbers the engine can trust on the machine it runs on.
 *
 * <p>libtorch's CPU kernels (oneDNN) were seen computing convolutions wrongly on one CPU (a virtual AMD EPYC
 * family 26 with AVX-512 that reports no cache sizes): outputs off by 20-30 whenever the input channels must be
 * padded to oneDNN's channel block (counts above 16 that are not multiples of 16), input gradients wrong whenever
 * the output channels are not a multiple of 16. Unpruned widths are multiples of 16, so such a machine trains a
 * baseline correctly and then computes garbage for every pruned network. Nothing in the engine can be right on
 * top of a wrong kernel, so the engine checks the kernels it uses against references computed another way
 * ({@link dev.sculptor.engine.numerics.SelfCheck}), once per machine, and runs with the first configuration
 * proven exact ({@link dev.sculptor.engine.numerics.Numerics}), or refuses to compute.
 */
package dev.sculptor.engine.numerics;
