package dev.sculptor.engine.arch;

/**
 * One parametrised layer of a network as plain data, with the channel spaces its input and output
 * dimensions index into. Pruning removes entries of spaces; every layer touching a space loses the
 * matching slices.
 *
 * @param name stable name, also the key of its tensors in checkpoints (e.g. {@code layer1.0.conv1})
 * @param kind conv, batch norm or linear
 * @param in input channels (conv) or input features (linear: {@code inSpace} size x {@code inRepeat})
 * @param out output channels or features
 * @param kernel square kernel size (1 for BN and linear)
 * @param stride conv stride
 * @param outH output height (1 for linear)
 * @param outW output width (1 for linear)
 * @param inSpace space indexed by the input dimension (null for BN)
 * @param outSpace space indexed by the output dimension (for BN: the normalised channels)
 * @param inRepeat features per input channel (a linear layer reading a flattened HxW map)
 * @param bias whether the layer has a bias
 */
public record Layer(
        String name,
        Kind kind,
        int in,
        int out,
        int kernel,
        int stride,
        int outH,
        int outW,
        String inSpace,
        String outSpace,
        int inRepeat,
        boolean bias) {

    /** SCALE: one learnable scalar multiplying a residual branch (Sparse Structure Selection). */
    public enum Kind { CONV, BN, LINEAR, SCALE }

    /** Multiply-accumulates of a forward pass of one example (0 for BN). */
    public long macs() {
        return switch (kind) {
            case CONV -> (long) kernel * kernel * in * out * outH * outW;
            case LINEAR -> (long) in * out;
            case BN, SCALE -> 0L;
        };
    }

    /** Trainable parameters (BN running statistics are state, not parameters). */
    public long params() {
        return switch (kind) {
            case CONV -> (long) kernel * kernel * in * out + (bias ? out : 0);
            case LINEAR -> (long) in * out + (bias ? out : 0);
            case BN -> 2L * out;
            case SCALE -> 1L;
        };
    }

    /** Positions per weight element that a multiply-accumulate is spent on (outH x outW). */
    public long positions() {
        return (long) outH * outW;
    }

    /** The tensors this layer owns, suffix to shape, in checkpoint order. */
    public java.util.Map<String, long[]> tensorShapes() {
        java.util.Map<String, long[]> m = new java.util.LinkedHashMap<>();
        switch (kind) {
            case CONV -> {
                m.put("weight", new long[] {out, in, kernel, kernel});
                if (bias) {
                    m.put("bias", new long[] {out});
                }
            }
            case LINEAR -> {
                m.put("weight", new long[] {out, in});
                m.put("bias", new long[] {out});
            }
            case BN -> {
                for (String s : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
                    m.put(s, new long[] {out});
                }
            }
            case SCALE -> m.put("scale", new long[] {1});
        }
        return m;
    }
}
