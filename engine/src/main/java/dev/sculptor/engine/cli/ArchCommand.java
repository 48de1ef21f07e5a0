package dev.sculptor.engine.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.experiment.DataSpec;
import dev.sculptor.engine.prune.L1NormPruning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints an architecture with its parameters and FLOPs, optionally pruned by an L1 preset. */
@Command(name = "arch", mixinStandardHelpOptions = true,
        description = "Show an architecture (layers, params, FLOPs); --json for programs.")
final class ArchCommand implements Callable<Integer> {
    @Option(names = "--arch", description = "lenet, vgg11|13|16|19, resnet<6n+2>, preresnet<9n+2> (default: ${DEFAULT-VALUE})",
            defaultValue = "vgg16")
    String arch;

    @Option(names = "--spec", description = "an ArchSpec JSON file instead of --arch")
    Path specFile;

    @Option(names = "--preset", description = "apply an L1 preset: vgg16-a, resnet56-a, resnet56-b, resnet110-a, resnet110-b")
    String preset;

    @Option(names = "--dataset", description = "sets the input shape: fashion-mnist (1x28x28) or cifar10 (3x32x32) (default: ${DEFAULT-VALUE})",
            defaultValue = "cifar10")
    String dataset;

    @Option(names = "--classes", description = "(default: ${DEFAULT-VALUE})", defaultValue = "10")
    int classes;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ArchSpec spec = specFile != null ? ArchSpec.fromJson(Files.readString(specFile))
                : Architectures.named(arch, new DataSpec(dataset, null, 0, 0).inputShape(), classes);
        ArchSpec original = spec;
        if (preset != null) {
            spec = L1NormPruning.preset(preset).prunedSpec(spec, preset);
        }
        LayerGraph g = LayerGraph.of(spec);
        if (json) {
            JsonObject o = new JsonObject();
            o.add("arch", spec.toJsonTree());
            o.addProperty("params", g.params());
            o.addProperty("flops", g.macs());
            if (preset != null) {
                LayerGraph og = LayerGraph.of(original);
                o.addProperty("originalParams", og.params());
                o.addProperty("originalFlops", og.macs());
            }
            JsonArray layers = new JsonArray();
            for (Layer l : g.layers()) {
                JsonObject lo = new JsonObject();
                lo.addProperty("name", l.name());
                lo.addProperty("kind", l.kind().name().toLowerCase());
                lo.addProperty("in", l.in());
                lo.addProperty("out", l.out());
                lo.addProperty("params", l.params());
                lo.addProperty("flops", l.macs());
                layers.add(lo);
            }
            o.add("layers", layers);
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
            return 0;
        }
        System.out.printf("%s (%s, input %s, %d classes)%n", spec.name(), spec.family(), spec.inputShape(), spec.numClasses());
        System.out.printf("%-24s %-6s %6s %6s %12s %14s%n", "layer", "kind", "in", "out", "params", "FLOPs");
        for (Layer l : g.layers()) {
            System.out.printf("%-24s %-6s %6d %6d %,12d %,14d%n", l.name(), l.kind().name().toLowerCase(), l.in(), l.out(),
                    l.params(), l.macs());
        }
        System.out.printf("total: %,d params, %,d FLOPs (multiply-accumulates per image)%n", g.params(), g.macs());
        if (preset != null) {
            LayerGraph og = LayerGraph.of(original);
            System.out.printf("vs %s: params -%.1f%%, FLOPs -%.1f%%%n", original.name(),
                    100.0 * (og.params() - g.params()) / og.params(), 100.0 * (og.macs() - g.macs()) / og.macs());
        }
        return 0;
    }
}
