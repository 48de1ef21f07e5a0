package dev.sculptor.engine.numerics;

/**
 * How the engine calls libtorch: intra-op threads, and whether convolutions see only channel counts that are
 * multiples of {@code channelBlock} (zero-padded inputs and weights, output sliced back; 0 means the native
 * kernels are called as they are). Padding cannot change a result: the extra input channels meet zero weights,
 * and the extra output channels are cut off before anything reads them, so their gradient is zero.
 */
public record KernelConfig(int threads, int channelBlock) {
    /** oneDNN's widest channel block (AVX-512); multiples of it are also multiples of the AVX2 and SSE blocks. */
    public static final int BLOCK = 16;

    public KernelConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (channelBlock < 0 || channelBlock == 1) {
            throw new IllegalArgumentException("channelBlock must be 0 (native) or >= 2, got " + channelBlock);
        }
    }

    public static KernelConfig nativeKernels(int threads) {
        return new KernelConfig(threads, 0);
    }

    public static KernelConfig padded(int threads) {
        return new KernelConfig(threads, BLOCK);
    }

    public boolean padded() {
        return channelBlock > 0;
    }

    /**
     * The input-channel count a convolution is run with: counts within one block were right everywhere; above it, a
     * multiple of two blocks, because on the Zen 5 machine an odd number of blocks (48, 80, 112, ... channels) gave
     * wrong input gradients for 3x3 convolutions of stride 2 (seen by {@code SelfCheck}'s stride-2 cases).
     */
    long paddedInputs(long channels) {
        return padded() && channels > channelBlock ? roundUp(channels, 2L * channelBlock) : channels;
    }

    /** The output-channel count a convolution is run with (input gradients need whole blocks of outputs). */
    long paddedOutputs(long channels) {
        return padded() ? roundUp(channels, channelBlock) : channels;
    }

    private static long roundUp(long n, long block) {
        return (n + block - 1) / block * block;
    }

    /** Short form for the one-line report and the cache: {@code native/2t}, {@code pad16/1t}. */
    public String id() {
        return (padded() ? "pad" + channelBlock : "native") + "/" + threads + "t";
    }

    public String describe() {
        return (padded() ? "convolution channels padded to multiples of " + channelBlock + " (inputs above "
                + channelBlock + " to " + 2 * channelBlock + ")" : "native kernels") + ", "
                + threads + (threads == 1 ? " thread" : " threads");
    }
}
