package dev.sculptor.engine.metrics;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;

/**
 * Parameters and FLOPs (multiply-accumulates of conv and linear layers per example, the convention
 * of Li et al. 2017), from the architecture alone or, for a masked network, counting only the
 * surviving weights (Han et al. 2015).
 */
public record ModelStats(long params, long flops) {

    public static ModelStats of(ArchSpec spec) {
        LayerGraph g = LayerGraph.of(spec);
        return new ModelStats(g.params(), g.macs());
    }

    public static ModelStats of(Network net) {
        if (net.masks().isEmpty()) {
            return new ModelStats(net.graph().params(), net.graph().macs());
        }
        long params = 0;
        long flops = 0;
        for (Layer l : net.graph().layers()) {
            String w = l.name() + ".weight";
            if (net.masks().containsKey(w)) {
                long nz = net.nonZero(w);
                long dense = l.kind() == Layer.Kind.CONV ? (long) l.kernel() * l.kernel() * l.in() * l.out() : (long) l.in() * l.out();
                params += l.params() - dense + nz;
                flops += nz * l.positions();
            } else {
                params += l.params();
                flops += l.macs();
            }
        }
        return new ModelStats(params, flops);
    }
}
