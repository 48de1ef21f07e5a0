package dev.sculptor.scoring;

import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.platform.store.CheckpointStore;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Real engine checkpoints (seeded networks) stored where the registry puts versions. */
final class TestCheckpoints {
    private TestCheckpoints() {}

    static final ArchSpec TINY = new ArchSpec("vgg", "tiny", List.of(1, 28, 28), 10, List.of(4, 6), List.of(0), List.of(8),
            null, null, null, null);
    /** A CIFAR-style ResNet-14 with a learnable scale on each removable block (Sparse Structure Selection). */
    static final ArchSpec SCALED_RESNET = new ArchSpec("resnet", "r14", List.of(1, 28, 28), 10, null, null, null, null,
            List.of(4, 8, 8), List.of(List.of(4), List.of(4), List.of(8), List.of(8), List.of(8), List.of(8)), null)
            .withBlockScales(true);

    static Path upload(CheckpointStore store, Path tmp, String model, int n, ArchSpec spec, long seed, Consumer<Network> edit) {
        Path dir = tmp.resolve(model + "-" + n);
        try (Network net = Network.create(spec, seed)) {
            if (edit != null) {
                edit.accept(net);
            }
            ModelCheckpoint.save(dir, net, ModelCheckpoint.Info.EMPTY, null, null);
        }
        store.putDirectory(dir, "models/" + model + "/versions/" + n);
        return dir;
    }
}
