package dev.sculptor.engine.arch;

import dev.sculptor.engine.arch.Layer.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parametrised layers of an {@link ArchSpec} and the channel spaces that tie them, derived
 * without building any tensors. FLOPs, parameter counts, importance scores and the weight copy of
 * physical shrinking all work from this one description, so they cannot disagree.
 */
public final class LayerGraph {
    private final ArchSpec spec;
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private final Map<String, ChannelSpace> spaces = new LinkedHashMap<>();

    private LayerGraph(ArchSpec spec) {
        this.spec = spec;
    }

    public static LayerGraph of(ArchSpec spec) {
        spec.validate();
        LayerGraph g = new LayerGraph(spec);
        g.space("input", spec.channels(), List.of(), null, null, "the network input");
        switch (spec.family()) {
            case "vgg", "lenet" -> g.buildPlain();
            case "resnet" -> g.buildResNet();
            case "preresnet" -> g.buildPreResNet();
            default -> throw new ArchException("arch: unknown family " + spec.family());
        }
        return g;
    }

    public ArchSpec spec() {
        return spec;
    }

    public List<Layer> layers() {
        return List.copyOf(layers.values());
    }

    public Layer layer(String name) {
        Layer l = layers.get(name);
        if (l == null) {
            throw new ArchException("no layer named '" + name + "' in " + spec.name());
        }
        return l;
    }

    public Map<String, ChannelSpace> spaces() {
        return Collections.unmodifiableMap(spaces);
    }

    public ChannelSpace space(String id) {
        ChannelSpace s = spaces.get(id);
        if (s == null) {
            throw new ArchException("no channel space named '" + id + "' in " + spec.name()
                    + " (prunable: " + prunableSpaces().stream().map(ChannelSpace::id).toList() + ")");
        }
        return s;
    }

    public List<ChannelSpace> prunableSpaces() {
        return spaces.values().stream().filter(ChannelSpace::prunable).toList();
    }

    /** Forward multiply-accumulates per example of conv and linear layers. */
    public long macs() {
        return layers.values().stream().mapToLong(Layer::macs).sum();
    }

    public long params() {
        return layers.values().stream().mapToLong(Layer::params).sum();
    }

    /** Every tensor of the network ({@code <layer>.<suffix>}) with its shape, in checkpoint order. */
    public Map<String, long[]> tensorShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Layer l : layers.values()) {
            l.tensorShapes().forEach((suffix, shape) -> out.put(l.name() + "." + suffix, shape));
        }
        return out;
    }

    /** Output spatial size of the conv layers, for reporting. */
    public List<Layer> convLayers() {
        return layers.values().stream().filter(l -> l.kind() == Kind.CONV).toList();
    }

    /**
     * The narrower spec that keeps, for each named space, the listed channel positions (sorted,
     * distinct). Spaces not named keep everything.
     */
    public ArchSpec shrink(Map<String, int[]> keep, String newName) {
        keep = withSelections(keep);
        for (Map.Entry<String, int[]> e : keep.entrySet()) {
            ChannelSpace s = space(e.getKey());
            int[] idx = e.getValue();
            if (!s.prunable() && idx.length != s.size() && !residualStreams().contains(s.id())) {
                throw new ArchException("channel space '" + s.id() + "' cannot be pruned: " + s.reason());
            }
            if (idx.length == 0) {
                throw new ArchException("channel space '" + s.id() + "' would lose all its channels");
            }
            for (int i = 0; i < idx.length; i++) {
                if (idx[i] < 0 || idx[i] >= s.size() || (i > 0 && idx[i] <= idx[i - 1])) {
                    throw new ArchException("channel space '" + s.id() + "': kept indices must be increasing and below "
                            + s.size());
                }
            }
        }
        ArchSpec out;
        switch (spec.family()) {
            case "vgg", "lenet" -> {
                List<Integer> widths = new ArrayList<>(spec.convWidths());
                for (int i = 0; i < widths.size(); i++) {
                    int[] k = keep.get("features." + i);
                    if (k != null) {
                        widths.set(i, k.length);
                    }
                }
                out = spec.withConvWidths(widths);
            }
            case "resnet" -> {
                List<List<Integer>> blocks = new ArrayList<>();
                for (int i = 0; i < spec.blocks().size(); i++) {
                    int[] k = keep.get(blockName(i) + ".inner");
                    blocks.add(spec.branchless(i) ? List.of() : List.of(k != null ? k.length : spec.blocks().get(i).get(0)));
                }
                out = narrowStreams(spec.withBlocks(blocks, null), keep);
            }
            case "preresnet" -> {
                List<List<Integer>> blocks = new ArrayList<>();
                List<List<Integer>> selections = new ArrayList<>();
                for (int i = 0; i < spec.blocks().size(); i++) {
                    String b = blockName(i);
                    List<Integer> w = spec.blocks().get(i);
                    if (spec.branchless(i)) {
                        blocks.add(List.of());
                        selections.add(null);
                        continue;
                    }
                    int[] k1 = keep.get(b + ".mid1");
                    int[] k2 = keep.get(b + ".mid2");
                    blocks.add(List.of(k1 != null ? k1.length : w.get(0), k2 != null ? k2.length : w.get(1)));
                    selections.add(select(spec.selection(i), keep.get(b + ".select"), keep.get(readStream(i))));
                }
                int n = spec.blocks().size();
                selections.add(select(spec.selection(n), keep.get("select"), keep.get(readStream(n))));
                out = spec.withBlocks(blocks, selections);
                List<String> streams = residualStreams();
                if (streams.stream().anyMatch(keep::containsKey)) {
                    int[] stem = keep.get("stem");
                    List<Integer> widths = new ArrayList<>();
                    for (int st = 0; st < spec.stageWidths().size(); st++) {
                        int[] k = keep.get(streams.get(st + 1));
                        widths.add(k != null ? k.length : spec.stageWidths().get(st));
                    }
                    out = new ArchSpec(out.family(), out.name(), out.inputShape(), out.numClasses(), out.convWidths(),
                            out.poolAfter(), out.hidden(), stem != null ? stem.length : out.stem(), widths, out.blocks(),
                            out.selections(), out.stageBlocks(), out.blockScales());
                }
            }
            default -> throw new ArchException("arch: unknown family " + spec.family());
        }
        return out.withName(newName).validate();
    }

    /**
     * The residual streams a shrink may narrow: a CIFAR ResNet's {@code stage1..n}. Option A's shortcut
     * subsamples stream s-1 and appends zero channels, so stream s's first {@code w(s-1)} channels carry stream
     * s-1's; a narrowed shortcut still appends zeros, which is exact only when stream s keeps exactly the channels
     * stream s-1 keeps among its first {@code w(s-1)} (checked in {@link #shrink}; {@link #streamsNest}). A
     * PreResNet's {@code stem} and {@code stage1..n}: a projection starts every stage, so each narrows on its own,
     * and the selections reading it are renumbered ({@link #withSelections}). The streams stay outside
     * {@link #prunableSpaces()}, so no method narrows them unless it asks for it by name.
     */
    public List<String> residualStreams() {
        if (!spec.family().equals("resnet") && !spec.family().equals("preresnet")) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (spec.family().equals("preresnet")) {
            out.add("stem");
        }
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            out.add("stage" + (s + 1));
        }
        return out;
    }

    /** Whether stream s's channels include stream s-1's (a ResNet's zero-padding shortcuts). */
    public boolean streamsNest() {
        return spec.family().equals("resnet");
    }

    /** The ResNet with its streams narrowed as {@code keep} says, after checking the shortcuts stay exact. */
    private ArchSpec narrowStreams(ArchSpec out, Map<String, int[]> keep) {
        List<String> streams = residualStreams();
        if (streams.stream().noneMatch(keep::containsKey)) {
            return out;
        }
        List<Integer> widths = new ArrayList<>();
        int[] prev = null;
        for (int s = 0; s < streams.size(); s++) {
            int w = spec.stageWidths().get(s);
            int[] k = keep.containsKey(streams.get(s)) ? keep.get(streams.get(s)) : java.util.stream.IntStream.range(0, w).toArray();
            if (prev != null) {
                int prevWidth = spec.stageWidths().get(s - 1);
                int[] carried = java.util.Arrays.stream(k).filter(c -> c < prevWidth).toArray();
                if (!java.util.Arrays.equals(carried, prev)) {
                    throw new ArchException("residual stream '" + streams.get(s) + "' keeps channels "
                            + java.util.Arrays.toString(carried) + " of the " + prevWidth + " its shortcut carries from '"
                            + streams.get(s - 1) + "', which keeps " + java.util.Arrays.toString(prev)
                            + ": a narrowed zero-padding shortcut needs them equal");
                }
            }
            widths.add(k.length);
            prev = k;
        }
        return new ArchSpec(out.family(), out.name(), out.inputShape(), out.numClasses(), out.convWidths(),
                out.poolAfter(), out.hidden(), out.stem(), widths, out.blocks(), out.selections(), out.stageBlocks(),
                out.blockScales());
    }

    /**
     * A selection after the shrink: the kept positions, renumbered into the narrowed stream where the stream it
     * reads narrows.
     */
    private static List<Integer> select(List<Integer> current, int[] keptPositions, int[] streamKeep) {
        if (keptPositions == null && streamKeep == null) {
            return current;
        }
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < current.size(); p++) {
            if (keptPositions == null || java.util.Arrays.binarySearch(keptPositions, p) >= 0) {
                int c = current.get(p);
                out.add(streamKeep == null ? c : java.util.Arrays.binarySearch(streamKeep, c));
            }
        }
        return out;
    }

    /** PreResNet: the stream block i reads ({@code i == blocks} is the classifier). */
    private String readStream(int block) {
        return block == 0 ? "stem" : "stage" + (spec.stageOf(block - 1) + 1);
    }

    /**
     * {@code keep} plus what a narrowed PreResNet stream implies for the selections reading it: a selection keeps
     * the positions whose stream channel stays (within its own keep, if named); a named selection keeping a channel
     * its stream removes is an error. Other families: {@code keep} itself.
     */
    public Map<String, int[]> withSelections(Map<String, int[]> keep) {
        if (!spec.family().equals("preresnet") || residualStreams().stream().noneMatch(keep::containsKey)) {
            return keep;
        }
        Map<String, int[]> out = new LinkedHashMap<>(keep);
        for (int i = 0; i <= spec.blocks().size(); i++) {
            if (i < spec.blocks().size() && spec.branchless(i)) {
                continue;
            }
            String id = i < spec.blocks().size() ? blockName(i) + ".select" : "select";
            int[] streamKeep = keep.get(readStream(i));
            if (streamKeep == null) {
                continue;
            }
            ChannelSpace sel = space(id);
            int[] named = keep.get(id);
            List<Integer> kept = new ArrayList<>();
            for (int p = 0; p < sel.size(); p++) {
                boolean stays = java.util.Arrays.binarySearch(streamKeep, sel.bnChannel(p)) >= 0;
                boolean wanted = named == null || java.util.Arrays.binarySearch(named, p) >= 0;
                if (wanted && !stays && named != null) {
                    throw new ArchException("selection '" + id + "' keeps channel " + sel.bnChannel(p) + " of stream '"
                            + readStream(i) + "', which the stream removes");
                }
                if (wanted && stays) {
                    kept.add(p);
                }
            }
            if (kept.size() < sel.size() || named != null) {
                out.put(id, kept.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return out;
    }

    /** PyTorch-style name of residual block i: {@code layer<stage>.<index>}. */
    public String blockName(int i) {
        return "layer" + (spec.stageOf(i) + 1) + "." + spec.indexInStage(i);
    }

    // ---- families ----

    private void buildPlain() {
        boolean lenet = spec.family().equals("lenet");
        int k = lenet ? 5 : 3;
        int h = spec.height();
        int w = spec.width();
        String in = "input";
        int inCh = spec.channels();
        for (int i = 0; i < spec.convWidths().size(); i++) {
            int c = spec.convWidths().get(i);
            String sp = "features." + i;
            conv(sp + ".conv", inCh, c, k, 1, h, w, in, sp);
            bn(sp + ".bn", c, sp);
            space(sp, c, List.of(sp + ".conv"), sp + ".bn", null, null);
            if (spec.poolAfter().contains(i)) {
                h /= 2;
                w /= 2;
            }
            in = sp;
            inCh = c;
        }
        // vgg pools globally; lenet flattens the whole map into the classifier
        int repeat = lenet ? h * w : 1;
        int features = inCh * repeat;
        for (int j = 0; j < spec.hidden().size(); j++) {
            int hdim = spec.hidden().get(j);
            String sp = "classifier." + j;
            linear(sp + ".fc", features, hdim, in, sp, repeat);
            if (!lenet) {
                bn(sp + ".bn", hdim, sp);
            }
            space(sp, hdim, List.of(sp + ".fc"), lenet ? null : sp + ".bn", null,
                    "hidden units of the classifier are outside the conv-channel methods");
            in = sp;
            features = hdim;
            repeat = 1;
        }
        linear("classifier.out", features, spec.numClasses(), in, "classes", repeat);
        space("classes", spec.numClasses(), List.of("classifier.out"), null, null, "the class scores");
    }

    private void buildResNet() {
        int h = spec.height();
        int w = spec.width();
        for (int s = 1; s < spec.stageWidths().size(); s++) {
            if (h % (1 << s) != 0 || w % (1 << s) != 0) {
                throw new ArchException("arch: resnet input " + spec.inputShape() + " must be divisible by "
                        + (1 << s) + " for its zero-padding shortcuts");
            }
        }
        List<List<String>> producers = new ArrayList<>();
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            producers.add(new ArrayList<>());
        }
        int c0 = spec.stageWidths().get(0);
        conv("conv1", spec.channels(), c0, 3, 1, h, w, "input", "stage1");
        bn("bn1", c0, "stage1");
        producers.get(0).add("conv1");
        int inCh = c0;
        for (int i = 0; i < spec.blocks().size(); i++) {
            int s = spec.stageOf(i);
            boolean first = spec.firstInStage(i);
            int stride = (s > 0 && first) ? 2 : 1;
            h = (h + stride - 1) / stride;
            w = (w + stride - 1) / stride;
            String b = blockName(i);
            String inStream = "stage" + (first && s > 0 ? s : s + 1);
            String outStream = "stage" + (s + 1);
            int out = spec.stageWidths().get(s);
            if (spec.branchless(i)) {
                // only the parameter-free shortcut is left: subsample and zero channels, no layer
                inCh = out;
                continue;
            }
            int inner = spec.blocks().get(i).get(0);
            conv(b + ".conv1", inCh, inner, 3, stride, h, w, inStream, b + ".inner");
            bn(b + ".bn1", inner, b + ".inner");
            space(b + ".inner", inner, List.of(b + ".conv1"), b + ".bn1", null, null);
            conv(b + ".conv2", inner, out, 3, 1, h, w, b + ".inner", outStream);
            bn(b + ".bn2", out, outStream);
            scale(b);
            producers.get(s).add(b + ".conv2");
            inCh = out;
        }
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            String id = "stage" + (s + 1);
            space(id, spec.stageWidths().get(s), producers.get(s), null, null,
                    "channels tied by residual additions across " + producers.get(s).size() + " convs");
        }
        linear("fc", inCh, spec.numClasses(), "stage" + spec.stageWidths().size(), "classes", 1);
        space("classes", spec.numClasses(), List.of("fc"), null, null, "the class scores");
    }

    private void buildPreResNet() {
        int h = spec.height();
        int w = spec.width();
        conv("conv1", spec.channels(), spec.stem(), 3, 1, h, w, "input", "stem");
        space("stem", spec.stem(), List.of("conv1"), null, null, "read by the first block's shortcut conv");
        List<List<String>> producers = new ArrayList<>();
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            producers.add(new ArrayList<>());
        }
        String inStream = "stem";
        int inCh = spec.stem();
        for (int i = 0; i < spec.blocks().size(); i++) {
            int s = spec.stageOf(i);
            boolean first = spec.firstInStage(i);
            int stride = (s > 0 && first) ? 2 : 1;
            String b = blockName(i);
            String outStream = "stage" + (s + 1);
            int out = spec.stageWidths().get(s);
            int ho = (h + stride - 1) / stride;
            int wo = (w + stride - 1) / stride;
            if (spec.branchless(i)) {
                // only the projection shortcut is left
                conv(b + ".downsample", inCh, out, 1, stride, ho, wo, inStream, outStream);
                producers.get(s).add(b + ".downsample");
                h = ho;
                w = wo;
                inStream = outStream;
                inCh = out;
                continue;
            }
            List<Integer> sel = spec.selection(i);
            int m1 = spec.blocks().get(i).get(0);
            int m2 = spec.blocks().get(i).get(1);
            bn(b + ".bn1", inCh, inStream);
            space(b + ".select", sel.size(), List.of(), b + ".bn1", sel, null);
            conv(b + ".conv1", sel.size(), m1, 1, 1, h, w, b + ".select", b + ".mid1");
            bn(b + ".bn2", m1, b + ".mid1");
            space(b + ".mid1", m1, List.of(b + ".conv1"), b + ".bn2", null, null);
            conv(b + ".conv2", m1, m2, 3, stride, ho, wo, b + ".mid1", b + ".mid2");
            bn(b + ".bn3", m2, b + ".mid2");
            space(b + ".mid2", m2, List.of(b + ".conv2"), b + ".bn3", null, null);
            conv(b + ".conv3", m2, out, 1, 1, ho, wo, b + ".mid2", outStream);
            scale(b);
            producers.get(s).add(b + ".conv3");
            if (first) {
                conv(b + ".downsample", inCh, out, 1, stride, ho, wo, inStream, outStream);
                producers.get(s).add(b + ".downsample");
            }
            h = ho;
            w = wo;
            inStream = outStream;
            inCh = out;
        }
        for (int s = 0; s < spec.stageWidths().size(); s++) {
            String id = "stage" + (s + 1);
            space(id, spec.stageWidths().get(s), producers.get(s), null, null,
                    "channels tied by residual additions across " + producers.get(s).size() + " convs");
        }
        bn("bn", inCh, inStream);
        List<Integer> sel = spec.selection(spec.blocks().size());
        space("select", sel.size(), List.of(), "bn", sel, null);
        linear("fc", sel.size(), spec.numClasses(), "select", "classes", 1);
        space("classes", spec.numClasses(), List.of("fc"), null, null, "the class scores");
    }

    // ---- helpers ----

    private void conv(String name, int in, int out, int k, int stride, int outH, int outW, String inSpace, String outSpace) {
        add(new Layer(name, Kind.CONV, in, out, k, stride, outH, outW, inSpace, outSpace, 1, false));
    }

    private void bn(String name, int c, String space) {
        add(new Layer(name, Kind.BN, c, c, 1, 1, 1, 1, null, space, 1, false));
    }

    private void linear(String name, int in, int out, String inSpace, String outSpace, int repeat) {
        add(new Layer(name, Kind.LINEAR, in, out, 1, 1, 1, 1, inSpace, outSpace, repeat, true));
    }

    /**
     * The residual branch's scale, on every block with a branch: a stage's first block may lose its branch too, its
     * shortcut then carries the stream alone (Huang and Wang remove any block whose scale reached zero).
     */
    private void scale(String block) {
        if (spec.scaled()) {
            add(new Layer(block + ".residual", Kind.SCALE, 1, 1, 1, 1, 1, 1, null, null, 1, false));
        }
    }

    /** Whether a block carries a scale layer. */
    public boolean hasScale(int block) {
        return layers.containsKey(blockName(block) + ".residual");
    }

    private void add(Layer l) {
        layers.put(l.name(), l);
    }

    private void space(String id, int size, List<String> producers, String bn, List<Integer> bnIndices, String reason) {
        spaces.put(id, new ChannelSpace(id, size, reason == null, reason, producers, bn, bnIndices));
    }
}
