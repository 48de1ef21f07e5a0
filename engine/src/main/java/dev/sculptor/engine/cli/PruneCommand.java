package dev.sculptor.engine.cli;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ChannelSpace;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.metrics.ModelStats;
import dev.sculptor.engine.prune.NetworkSlimming;
import dev.sculptor.engine.prune.PruneResult;
import dev.sculptor.engine.prune.PruningMethod;
import dev.sculptor.engine.prune.SparseStructureSelection;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prunes a trained checkpoint into a new checkpoint whose lineage names the parent and method. */
@Command(name = "prune", mixinStandardHelpOptions = true, description = "Prune a trained model (no retraining).")
final class PruneCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "trained checkpoint directory")
    Path in;

    @Option(names = "--out", required = true, description = "where the pruned checkpoint goes")
    Path out;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Mixin
    Options.Method method = new Options.Method();

    /** The training data, for methods that sample activations (thinet, regression). */
    @Mixin
    Options.Data data = new Options.Data();

    @Override
    public Integer call() {
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(in);
        try (Network trained = loaded.network()) {
            if (method.lambda == null) {
                // slimming records the lambda the model was trained with (`train --sparsity`), else the family's default
                Manifest.Lineage lin = loaded.manifest().lineage();
                if (lin != null && lin.settings() != null && lin.settings().has("sparsity")) {
                    method.lambda = lin.settings().get("sparsity").getAsDouble();
                }
            }
            PruningMethod m = method.build(trained.spec(), () -> data.spec().train());
            if (m instanceof NetworkSlimming ns && !json) {
                m = ns.reportingTo(System.out::println);
            }
            if (m.def() == dev.sculptor.engine.prune.MethodDef.SPARSE_STRUCTURE_SELECTION
                    && trained.spec().family().contains("resnet") && !trained.spec().scaled()) {
                // `train` has no block scales or APG: say where such a baseline comes from on this command line
                throw new dev.sculptor.engine.arch.ArchException("sss prunes a resnet trained with block scales and their "
                        + "sparsity; " + in + " (" + trained.spec().name() + ") has none: `engine train` cannot train one, "
                        + "`engine rethink --method sss` does (its seed-<n>/baseline)");
            }
            PruneResult r = m.prune(trained);
            try (Network pruned = r.network()) {
                ModelCheckpoint.save(out, pruned, new ModelCheckpoint.Info(
                        new Manifest.Lineage(in.toString(), m.name(), r.settings()), Map.of(), r.kept()), null, null);
                ModelStats before = ModelStats.of(trained);
                ModelStats after = ModelStats.of(pruned);
                JsonObject o = new JsonObject();
                o.addProperty("method", m.name());
                o.add("settings", r.settings());
                o.addProperty("arch", pruned.spec().name());
                o.addProperty("paramsBefore", before.params());
                o.addProperty("paramsAfter", after.params());
                o.addProperty("flopsBefore", before.flops());
                o.addProperty("flopsAfter", after.flops());
                o.addProperty("seconds", r.seconds());
                JsonObject kept = new JsonObject();
                r.kept().forEach((space, idx) -> kept.addProperty(space, idx.length));
                o.add("keptChannels", kept);
                o.addProperty("checkpoint", out.toString());
                StringBuilder human = new StringBuilder(String.format(
                        "pruned %s with %s: params %,d -> %,d (-%.1f%%), FLOPs %,d -> %,d (-%.1f%%) in %.2f s%n",
                        trained.spec().name(), m.name(), before.params(), after.params(),
                        100.0 * (before.params() - after.params()) / before.params(), before.flops(), after.flops(),
                        100.0 * (before.flops() - after.flops()) / before.flops(), r.seconds()));
                for (Map.Entry<String, int[]> e : r.kept().entrySet()) {
                    ChannelSpace s = trained.graph().space(e.getKey());
                    human.append(String.format("  %-20s %4d -> %4d channels%n", s.id(), s.size(), e.getValue().length));
                }
                if (r.settings() != null && r.settings().has("sampledRows")) {
                    human.append(String.format("  sampled %d training images, %,d rows%n",
                            r.settings().get("sampledImages").getAsInt(), r.settings().get("sampledRows").getAsLong()));
                }
                if (r.settings() != null && r.settings().has("removedBlocks")) {
                    human.append(String.format("  removed blocks (selection %s): %s%n", r.settings().get("selection")
                            .getAsString(), r.settings().get("removedBlocks")));
                }
                if (r.settings() != null && r.settings().has(SparseStructureSelection.BLOCK_SCALES)) {
                    human.append("  block scales:");
                    r.settings().getAsJsonObject(SparseStructureSelection.BLOCK_SCALES).entrySet().forEach(e -> human.append(
                            String.format(java.util.Locale.ROOT, " %s %.4g", e.getKey(), e.getValue().getAsDouble())));
                    human.append('\n');
                }
                if (r.settings() != null && r.settings().has("note")) {
                    human.append("  note: ").append(r.settings().get("note").getAsString()).append('\n');
                }
                human.append("checkpoint: ").append(out);
                CommandSupport.print(o, json, human.toString());
            }
        }
        return 0;
    }
}
