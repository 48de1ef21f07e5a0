package dev.sculptor.engine.arch;

import java.util.ArrayList;
import java.util.List;

/** The standard architectures by name, for a given input shape and class count. */
public final class Architectures {
    private Architectures() {}

    public static final List<String> NAMES = List.of(
            "lenet", "vgg11", "vgg13", "vgg16", "vgg19", "vgg19-slim", "resnet20", "resnet32", "resnet56", "resnet110",
            "preresnet164", "resnet<6n+2>", "preresnet<9n+2>");

    /**
     * Builds a named architecture, e.g. {@code vgg16}, {@code resnet56}, {@code preresnet164}. A VGG name ending in
     * {@code -slim} ({@code vgg19-slim}) is Network Slimming's VGG: no hidden linear layer.
     */
    public static ArchSpec named(String name, List<Integer> inputShape, int numClasses) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        ArchSpec spec;
        if (n.equals("lenet")) {
            spec = new ArchSpec("lenet", n, inputShape, numClasses, List.of(32, 64), List.of(0, 1), List.of(128),
                    null, null, null, null);
        } else if (n.startsWith("vgg")) {
            spec = vgg(n, inputShape, numClasses);
        } else if (n.startsWith("preresnet")) {
            int depth = depth(n, "preresnet");
            if ((depth - 2) % 9 != 0 || depth < 11) {
                throw new ArchException("preresnet depth must be 9n+2 (e.g. 164), got " + depth);
            }
            int per = (depth - 2) / 9;
            List<List<Integer>> blocks = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                int planes = 16 << s;
                for (int b = 0; b < per; b++) {
                    blocks.add(List.of(planes, planes));
                }
            }
            spec = new ArchSpec("preresnet", n, inputShape, numClasses, null, null, null, 16,
                    List.of(64, 128, 256), blocks, null);
        } else if (n.startsWith("resnet")) {
            int depth = depth(n, "resnet");
            if ((depth - 2) % 6 != 0 || depth < 8) {
                throw new ArchException("CIFAR resnet depth must be 6n+2 (20, 32, 56, 110, ...), got " + depth);
            }
            int per = (depth - 2) / 6;
            List<List<Integer>> blocks = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                for (int b = 0; b < per; b++) {
                    blocks.add(List.of(16 << s));
                }
            }
            spec = new ArchSpec("resnet", n, inputShape, numClasses, null, null, null, null,
                    List.of(16, 32, 64), blocks, null);
        } else {
            throw new ArchException("unknown architecture '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        }
        return spec.validate();
    }

    /** The suffix of Network Slimming's VGG variant (no hidden linear layer), e.g. {@code vgg19-slim}. */
    public static final String SLIM_VGG_SUFFIX = "-slim";

    private static ArchSpec vgg(String n, List<Integer> inputShape, int numClasses) {
        // Configurations of Simonyan & Zisserman, CIFAR variant: the last pooling is replaced by
        // global average pooling and the classifier is Linear(512)-BN-ReLU-Linear, as in Li et al.
        // The -slim variant ends conv -> average pool -> one Linear, as the VGG of Network Slimming
        // (Liu et al., ICCV 2017; cifar/network-slimming/models/vgg.py of the rethinking reference).
        boolean slim = n.endsWith(SLIM_VGG_SUFFIX);
        String depth = slim ? n.substring(0, n.length() - SLIM_VGG_SUFFIX.length()) : n;
        int[][] cfg = switch (depth) {
            case "vgg11" -> new int[][] {{64}, {128}, {256, 256}, {512, 512}, {512, 512}};
            case "vgg13" -> new int[][] {{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}};
            case "vgg16" -> new int[][] {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
            case "vgg19" -> new int[][] {{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512},
                {512, 512, 512, 512}};
            default -> throw new ArchException("unknown VGG '" + n + "' (known: vgg11, vgg13, vgg16, vgg19, each also "
                    + "with -slim: no hidden linear layer)");
        };
        List<Integer> widths = new ArrayList<>();
        List<Integer> pools = new ArrayList<>();
        for (int s = 0; s < cfg.length; s++) {
            for (int w : cfg[s]) {
                widths.add(w);
            }
            if (s < cfg.length - 1) {
                pools.add(widths.size() - 1);
            }
        }
        return new ArchSpec("vgg", n, inputShape, numClasses, widths, pools, slim ? List.of() : List.of(512), null, null,
                null, null);
    }

    private static int depth(String n, String prefix) {
        try {
            return Integer.parseInt(n.substring(prefix.length()));
        } catch (NumberFormatException e) {
            throw new ArchException("architecture '" + n + "' must be " + prefix + "<depth>");
        }
    }
}
