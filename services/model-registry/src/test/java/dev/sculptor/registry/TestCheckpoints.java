package dev.sculptor.registry;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.Tensor;
import dev.sculptor.engine.checkpoint.TensorFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Real engine checkpoints built without the native engine: random tensors of the right shapes. */
final class TestCheckpoints {
    private TestCheckpoints() {}

    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 8, 8), 3, List.of(4, 6), List.of(0), List.of(5),
            null, null, null, null);

    static Path write(Path dir, ArchSpec spec, long seed, Manifest.Lineage lineage) {
        try {
            Files.createDirectories(dir);
            Random r = new Random(seed);
            List<Tensor> tensors = new ArrayList<>();
            LayerGraph.of(spec).tensorShapes().forEach((name, shape) -> {
                int n = (int) Tensor.elementCount(shape);
                float[] data = new float[n];
                for (int i = 0; i < n; i++) {
                    data[i] = (float) r.nextGaussian();
                }
                tensors.add(new Tensor(name, shape, data));
            });
            TensorFile.write(dir.resolve(CheckpointDir.PARAMS), tensors, false);
            Manifest m = Manifest.builder().arch(spec.toJsonTree().getAsJsonObject()).metric("accuracy", 0.5 + seed % 10 / 100.0)
                    .lineage(lineage).build();
            CheckpointDir.write(dir, m, Map.of(CheckpointDir.PARAMS, dir.resolve(CheckpointDir.PARAMS)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifest.Lineage lineage(String method) {
        JsonObject s = new JsonObject();
        s.addProperty("ratio", 0.5);
        return new Manifest.Lineage(null, method, s);
    }
}
