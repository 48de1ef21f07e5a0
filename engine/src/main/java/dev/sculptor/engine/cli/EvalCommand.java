package dev.sculptor.engine.cli;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.metrics.Evaluator;
import dev.sculptor.engine.metrics.Latency;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates a checkpoint: accuracy, loss, params, FLOPs, measured latency and throughput. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a checkpoint on the test split.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "checkpoint directory")
    Path in;

    @Option(names = "--latency-batch", defaultValue = "64", description = "batch size of the throughput measurement (default: ${DEFAULT-VALUE})")
    int latencyBatch;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Mixin
    Options.Data data = new Options.Data();

    @Override
    public Integer call() {
        try (Network net = ModelCheckpoint.load(in).network()) {
            Evaluator.Result ev = Evaluator.evaluate(net, data.spec().test(), 256);
            Latency.Result lat = Latency.measure(net, latencyBatch, 5);
            JsonObject o = CommandSupport.describe(net, ev);
            o.addProperty("latencyMillis", lat.medianMillis());
            o.addProperty("imagesPerSecond", lat.imagesPerSecond());
            o.addProperty("device", net.device().toString());
            CommandSupport.print(o, json, String.format(
                    "%s: accuracy %.2f%%, loss %.4f on %d images; %,d params, %,d FLOPs; latency %.3f ms (batch 1), %,.0f img/s (batch %d)",
                    net.spec().name(), 100 * ev.accuracy(), ev.loss(), ev.examples(), o.get("params").getAsLong(),
                    o.get("flops").getAsLong(), lat.medianMillis(), lat.imagesPerSecond(), latencyBatch));
        }
        return 0;
    }
}
