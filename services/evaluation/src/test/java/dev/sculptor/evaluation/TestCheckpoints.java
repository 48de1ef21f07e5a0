package dev.sculptor.evaluation;

import com.google.gson.JsonObject;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.Manifest;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.store.CheckpointStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Real engine checkpoints (randomly initialised networks) stored where the registry puts versions. */
final class TestCheckpoints {
    private TestCheckpoints() {}

    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 28, 28), 10, List.of(4, 6), List.of(0), List.of(8),
            null, null, null, null);
    static final ArchSpec NARROW = new ArchSpec("vgg", "tiny-l1", List.of(1, 28, 28), 10, List.of(2, 3), List.of(0), List.of(8),
            null, null, null, null);

    /** Saves a seeded network of {@code spec} and uploads it to {@code models/{model}/versions/{n}/}; returns the local copy. */
    static Path upload(CheckpointStore store, Path tmp, String model, int n, ArchSpec spec, long seed, String method) {
        Path dir = tmp.resolve(model + "-" + n);
        Manifest.Lineage lineage = null;
        if (method != null) {
            JsonObject s = new JsonObject();
            s.addProperty("ratio", 0.5);
            lineage = new Manifest.Lineage("models/" + model + "/versions/1", method, s);
        }
        try (Network net = Network.create(spec, seed)) {
            ModelCheckpoint.save(dir, net, new ModelCheckpoint.Info(lineage, Map.of()), null, null);
        }
        store.putDirectory(dir, "models/" + model + "/versions/" + n);
        return dir;
    }
}
