package dev.sculptor.engine.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sculptor.engine.arch.ArchSpec;
import dev.sculptor.engine.arch.Layer;
import dev.sculptor.engine.arch.LayerGraph;
import dev.sculptor.engine.arch.Network;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.ModelCheckpoint;
import dev.sculptor.engine.cli.EngineCli;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.engine.data.Datasets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rethink} builds its networks with the dataset's class count ({@link DataSpec#numClasses}): a dataset of three
 * classes (IDX files in the Fashion-MNIST layout, written here, declaring their classes in {@link Datasets#CLASSES_FILE})
 * gives classifiers of three outputs, which train and evaluate, in {@code rethink} and in {@code train}. Both built-in datasets have ten classes, so only such a
 * dataset tells "taken from the data" from "hard-coded 10".
 */
class RethinkClassCountTest {
    static final int CLASSES = 3;

    /** {@code n} 28x28 images, class {@code i % 3}: a bright band of rows 9k..9k+8 over noise (so the classes differ). */
    static void writeIdx(Path dir, String prefix, int n, long seed) throws IOException {
        Random r = new Random(seed);
        ByteBuffer images = ByteBuffer.allocate(16 + n * 28 * 28);
        images.putInt(0x00000803).putInt(n).putInt(28).putInt(28);
        ByteBuffer labels = ByteBuffer.allocate(8 + n);
        labels.putInt(0x00000801).putInt(n);
        for (int i = 0; i < n; i++) {
            int k = i % CLASSES;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    images.put((byte) (y / 9 == k ? 200 + r.nextInt(56) : r.nextInt(60)));
                }
            }
            labels.put((byte) k);
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images.array());
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
    }

    static Path threeClassDataset(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeIdx(dir, "train", 96, 1);
        writeIdx(dir, "t10k", 48, 2);
        Files.writeString(dir.resolve(Datasets.CLASSES_FILE), "top\nmiddle\nbottom\n");
        return dir;
    }

    /** The output features of the network's last linear layer (its classifier). */
    static int classifierOutputs(ArchSpec spec) {
        List<Layer> linear = LayerGraph.of(spec).layers().stream().filter(l -> l.kind() == Layer.Kind.LINEAR).toList();
        return linear.get(linear.size() - 1).out();
    }

    @Test
    void rethinkOnAThreeClassDatasetBuildsTrainsAndEvaluatesThreeOutputs(@TempDir Path tmp) throws Exception {
        Path data = threeClassDataset(tmp.resolve("data"));
        assertEquals(CLASSES, new DataSpec(Datasets.FASHION_MNIST, data, 0, 0).numClasses());
        Path out = tmp.resolve("out");
        assertEquals(0, EngineCli.execute("rethink", "--dataset", "fashion-mnist", "--data-dir", data.toString(), "--arch",
                "lenet", "--method", "l1", "--ratio", "0.5", "--modes", "fine-tune,scratch-e", "--epochs", "1",
                "--batch-size", "16", "--finetune-epochs", "1", "--seeds", "1", "--json", "--out", out.toString()));

        for (String step : List.of("baseline", "pruned", "fine-tune", "scratch-e")) {
            Path cp = out.resolve("seed-1").resolve(step);
            ArchSpec spec = ArchSpec.fromJson(CheckpointDir.readManifest(cp).arch());
            assertEquals(CLASSES, spec.numClasses(), step);
            assertEquals(CLASSES, classifierOutputs(spec), step);
            // the stored weights are a 3-way classifier too, not only the recorded spec
            try (Network net = ModelCheckpoint.load(cp).network()) {
                List<Layer> linear = net.graph().layers().stream().filter(l -> l.kind() == Layer.Kind.LINEAR).toList();
                long[] shape = net.array(linear.get(linear.size() - 1).name() + ".weight").getShape().getShape();
                assertEquals(CLASSES, shape[0], step + " classifier weight " + java.util.Arrays.toString(shape));
            }
        }
        // training and evaluation ran on the 48 test images: accuracies are k/48, losses finite, epochs as asked
        JsonObject t = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        assertEquals(4, t.getAsJsonArray("rows").size());
        for (var e : t.getAsJsonArray("rows")) {
            JsonObject run = e.getAsJsonObject().getAsJsonArray("runs").get(0).getAsJsonObject();
            double acc = run.get("accuracy").getAsDouble();
            assertTrue(acc >= 0 && acc <= 1, run.toString());
            assertEquals(Math.round(acc * 48), acc * 48, 1e-6, "a fraction of the 48 test images: " + run);
            assertTrue(Double.isFinite(run.get("loss").getAsDouble()), run.toString());
        }
        JsonObject base = CheckpointDir.readManifest(out.resolve("seed-1/baseline")).training();
        assertEquals(1, base.getAsJsonArray("history").size(), "the baseline trained its one epoch");
    }

    @Test
    void trainOnAThreeClassDatasetBuildsAThreeOutputModel(@TempDir Path tmp) throws Exception {
        Path data = threeClassDataset(tmp.resolve("data"));
        Path out = tmp.resolve("base");
        assertEquals(0, EngineCli.execute("train", "--dataset", "fashion-mnist", "--data-dir", data.toString(), "--arch",
                "lenet", "--epochs", "1", "--batch-size", "16", "--json", "--out", out.toString()));
        ArchSpec spec = ArchSpec.fromJson(CheckpointDir.readManifest(out).arch());
        assertEquals(CLASSES, spec.numClasses());
        try (Network net = ModelCheckpoint.load(out).network()) {
            List<Layer> linear = net.graph().layers().stream().filter(l -> l.kind() == Layer.Kind.LINEAR).toList();
            assertEquals(CLASSES, net.array(linear.get(linear.size() - 1).name() + ".weight").getShape().get(0));
        }
        // it trained and evaluated on the 48 test images of three classes
        double acc = CheckpointDir.readManifest(out).metrics().get("accuracy");
        assertEquals(Math.round(acc * 48), acc * 48, 1e-6, "a fraction of the 48 test images: " + acc);
    }

    @Test
    void theDeclaredClassesBoundTheLabelsAndABadDeclarationIsNamed(@TempDir Path tmp) throws Exception {
        Path data = threeClassDataset(tmp.resolve("data"));
        // two declared classes: label 2 is out of range, and the error names the labels file
        Files.writeString(data.resolve(Datasets.CLASSES_FILE), "top\nmiddle\n");
        DataException e = assertThrows(DataException.class, () -> new DataSpec("fashion-mnist", data, 0, 0).numClasses());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains("out of range 0..1"),
                e.getMessage());
        Files.writeString(data.resolve(Datasets.CLASSES_FILE), "only\n");
        e = assertThrows(DataException.class, () -> new DataSpec("fashion-mnist", data, 0, 0).numClasses());
        assertTrue(e.getMessage().contains(Datasets.CLASSES_FILE + ": declares 1 classes (want 2..256"), e.getMessage());
        Files.writeString(data.resolve(Datasets.CLASSES_FILE), "a\nb\na\n");
        e = assertThrows(DataException.class, () -> new DataSpec("fashion-mnist", data, 0, 0).numClasses());
        assertTrue(e.getMessage().contains("names a class twice"), e.getMessage());
        // without the file: Fashion-MNIST's ten
        Files.delete(data.resolve(Datasets.CLASSES_FILE));
        assertEquals(10, new DataSpec("fashion-mnist", data, 0, 0).numClasses());
    }
}
