package dev.sculptor.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarLoadTest {
    @TempDir Path dir;

    @Test
    void parsesTwoRecordBatchWithPlanesInRgbOrder() {
        DataFiles.write(dir.resolve("test_batch.bin"), DataFiles.concat(
                DataFiles.cifarRecord(6, 10, 20, 30), DataFiles.cifarRecord(9, 200, 210, 220)));
        ImageDataset d = Datasets.load("cifar10", dir, Split.TEST);
        assertEquals("cifar10", d.name());
        assertEquals(2, d.size());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        assertEquals(10, d.numClasses());
        assertEquals(6, d.label(0));
        assertEquals(9, d.label(1));
        // channel 0 = red, 1 = green, 2 = blue; (0,0) of each plane marked 1,2,3
        assertEquals(1, d.pixel(0, 0, 0, 0));
        assertEquals(2, d.pixel(0, 1, 0, 0));
        assertEquals(3, d.pixel(0, 2, 0, 0));
        assertEquals(10, d.pixel(0, 0, 0, 1));
        assertEquals(20, d.pixel(0, 1, 31, 31));
        assertEquals(30, d.pixel(0, 2, 16, 5));
        assertEquals(1, d.pixel(1, 0, 0, 0));
        assertEquals(200, d.pixel(1, 0, 31, 31));
        assertEquals(210, d.pixel(1, 1, 1, 0));
        assertEquals(220, d.pixel(1, 2, 0, 1));
        byte[] img = d.image(1);
        assertEquals(3072, img.length);
        assertEquals(200, img[1023] & 0xFF);
        assertEquals(2, img[1024] & 0xFF);
        assertEquals(210, img[2047] & 0xFF);
        assertEquals(3, img[2048] & 0xFF);
        assertEquals(220, img[3071] & 0xFF);
        assertArrayEquals(new float[] {0.4914f, 0.4822f, 0.4465f}, d.mean());
        assertArrayEquals(new float[] {0.2023f, 0.1994f, 0.2010f}, d.std());
    }

    @Test
    void trainUsesExistingBatchesInOrderAndAcceptsSubdirectory() {
        Path sub = dir.resolve("cifar-10-batches-bin");
        DataFiles.write(sub.resolve("data_batch_3.bin"), DataFiles.cifarRecord(3, 33, 33, 33));
        DataFiles.write(sub.resolve("data_batch_1.bin"), DataFiles.concat(
                DataFiles.cifarRecord(1, 11, 11, 11), DataFiles.cifarRecord(2, 12, 12, 12)));
        ImageDataset d = Datasets.load("cifar10", dir, Split.TRAIN);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {1, 2, 3}, d.labels());
        assertEquals(11, d.pixel(0, 2, 5, 5));
        assertEquals(12, d.pixel(1, 0, 5, 5));
        assertEquals(33, d.pixel(2, 1, 5, 5));
        // the subdirectory itself works as well
        assertEquals(3, Datasets.load("cifar10", sub, Split.TRAIN).size());
    }

    @Test
    void normalisesKnownPixelsPerChannel() {
        DataFiles.write(dir.resolve("test_batch.bin"), DataFiles.cifarRecord(0, 255, 0, 128));
        ImageDataset d = Datasets.load("cifar10", dir, Split.TEST);
        Batch b = BatchIterator.of(d, 8).next();
        assertEquals(1, b.count());
        // (x,y) = (1,0) holds the plane values: R 255, G 0, B 128
        assertEquals((1 - 0.4914) / 0.2023, b.images()[1], 1e-5);
        assertEquals((0 - 0.4822) / 0.1994, b.images()[1024 + 1], 1e-5);
        assertEquals((128 / 255.0 - 0.4465) / 0.2010, b.images()[2048 + 1], 1e-5);
        assertEquals(2.51409, b.images()[1], 1e-4);
    }
}
