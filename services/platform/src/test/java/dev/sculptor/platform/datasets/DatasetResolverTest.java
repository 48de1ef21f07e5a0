package dev.sculptor.platform.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.platform.datasets.DatasetResolver.Split;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedS3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset uris against real directories and a real S3 server (S3Proxy) through the MinIO client. */
class DatasetResolverTest {
    static final String BUCKET = "datasets-test";
    static EmbeddedS3 s3;
    static CheckpointStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        s3 = EmbeddedS3.start();
        store = new CheckpointStore(s3.endpoint(), s3.accessKey(), s3.secretKey(), BUCKET);
        store.ensureBucket();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    /** Local use: file: enabled, the bucket's datasets/ folder. */
    static final DatasetResolver.Access LOCAL = new DatasetResolver.Access(true, List.of("datasets/"));

    DatasetResolver resolver() {
        return new DatasetResolver(store, LOCAL, tmp.resolve("cache"), tmp.resolve("no-fashion"), tmp.resolve("no-cifar"));
    }

    /** {@code records} CIFAR-10 binary records (label byte + 3072 pixel bytes). */
    static byte[] cifarBatch(int records, long seed) {
        byte[] b = new byte[records * 3073];
        Random r = new Random(seed);
        r.nextBytes(b);
        for (int i = 0; i < records; i++) {
            b[i * 3073] = (byte) (i % 10);
        }
        return b;
    }

    static Path upload(Path dir, String name, byte[] data, String key) throws IOException {
        Path f = Files.write(Files.createDirectories(dir).resolve(name), data);
        store.putFile(f, key);
        return f;
    }

    @Test
    void cifarFromTheStoreIsDownloadedOnceAndOnlyTheRequestedSplit() throws Exception {
        byte[] test = cifarBatch(5, 1);
        byte[] train = cifarBatch(7, 2);
        upload(tmp.resolve("up"), "test_batch.bin", test, "datasets/c1/test_batch.bin");
        upload(tmp.resolve("up"), "data_batch_1.bin", train, "datasets/c1/data_batch_1.bin");
        upload(tmp.resolve("up"), "readme.txt", new byte[] {1}, "datasets/c1/readme.txt");
        DatasetResolver r = resolver();

        ResolvedDataset d = r.resolve("cifar10:s3://" + BUCKET + "/datasets/c1/", EnumSet.of(Split.TEST));
        assertEquals("cifar10", d.name());
        assertArrayEquals(test, Files.readAllBytes(d.dir().resolve("test_batch.bin")));
        assertFalse(Files.exists(d.dir().resolve("data_batch_1.bin")), "the train split was not asked for");
        assertFalse(Files.exists(d.dir().resolve("readme.txt")));
        assertEquals(1, r.downloads());

        // once: the same uri (either spelling of the prefix) reads the cache
        ResolvedDataset again = r.resolve("CIFAR10:s3://" + BUCKET + "/datasets/c1", EnumSet.of(Split.TEST));
        assertEquals(d.dir(), again.dir());
        assertEquals(1, r.downloads());

        // the train split adds its files to the same directory
        r.resolve("cifar10:s3://" + BUCKET + "/datasets/c1", Set.of(Split.TRAIN, Split.TEST));
        assertArrayEquals(train, Files.readAllBytes(d.dir().resolve("data_batch_1.bin")));
        assertEquals(2, r.downloads());

        // a replaced object (new digest) is downloaded again
        byte[] test2 = cifarBatch(3, 9);
        upload(tmp.resolve("up2"), "test_batch.bin", test2, "datasets/c1/test_batch.bin");
        r.resolve("cifar10:s3://" + BUCKET + "/datasets/c1", EnumSet.of(Split.TEST));
        assertArrayEquals(test2, Files.readAllBytes(d.dir().resolve("test_batch.bin")));
        assertEquals(3, r.downloads());
    }

    @Test
    void cifarInsideTheArchiveFolderAndFashionMnistFromTheStore() throws Exception {
        byte[] test = cifarBatch(2, 3);
        upload(tmp.resolve("up"), "test_batch.bin", test, "datasets/c2/cifar-10-batches-bin/test_batch.bin");
        ResolvedDataset c = resolver().resolve("cifar10:s3://" + BUCKET + "/datasets/c2", EnumSet.of(Split.TEST));
        assertArrayEquals(test, Files.readAllBytes(c.dir().resolve("test_batch.bin")));

        upload(tmp.resolve("f"), "t10k-images-idx3-ubyte.gz", new byte[] {1, 2}, "datasets/f/t10k-images-idx3-ubyte.gz");
        upload(tmp.resolve("f"), "t10k-labels-idx1-ubyte", new byte[] {3}, "datasets/f/t10k-labels-idx1-ubyte");
        ResolvedDataset f = resolver().resolve("fashion-mnist:s3://" + BUCKET + "/datasets/f", EnumSet.of(Split.TEST));
        assertEquals("fashion-mnist", f.name());
        assertTrue(Files.isRegularFile(f.dir().resolve("t10k-images-idx3-ubyte.gz")));
        assertTrue(Files.isRegularFile(f.dir().resolve("t10k-labels-idx1-ubyte")));

        DatasetException e = assertThrows(DatasetException.Missing.class,
                () -> resolver().resolve("fashion-mnist:s3://" + BUCKET + "/datasets/f", EnumSet.of(Split.TRAIN)));
        assertTrue(e.getMessage().startsWith("dataset 'fashion-mnist:s3://" + BUCKET + "/datasets/f': no train-images-idx3-ubyte[.gz]"),
                e.getMessage());
    }

    @Test
    void storeUrisNameTheirProblem() {
        DatasetResolver r = resolver();
        DatasetException other = assertThrows(DatasetException.Invalid.class, () -> r.resolve("cifar10:s3://elsewhere/data"));
        assertTrue(other.getMessage().startsWith("dataset 'cifar10:s3://elsewhere/data': bucket 'elsewhere' is not this service's bucket '"
                + BUCKET + "'; only the configured bucket is read (copy the files to s3://" + BUCKET + "/...); allowed: "),
                other.getMessage());
        DatasetException empty = assertThrows(DatasetException.Missing.class,
                () -> r.resolve("cifar10:s3://" + BUCKET + "/datasets/nothing/here"));
        assertTrue(empty.getMessage().contains("no data_batch_1.bin..data_batch_5.bin, test_batch.bin under s3://" + BUCKET
                + "/datasets/nothing/here/ (found no objects)"),
                empty.getMessage());
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("cifar10:s3://" + BUCKET))
                .getMessage().contains("no prefix"));
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("cifar10:s3://" + BUCKET + "/datasets/../b"))
                .getMessage().contains("'..' segment"));
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("s3://" + BUCKET + "/x"))
                .getMessage().contains("say which dataset"));
        DatasetException noStore = assertThrows(DatasetException.Invalid.class,
                () -> new DatasetResolver(null, LOCAL, tmp, tmp, tmp).resolve("cifar10:s3://" + BUCKET + "/x"));
        assertTrue(noStore.getMessage().contains("no object store"), noStore.getMessage());
    }

    @Test
    void localDirectoriesWithAndWithoutAName() throws Exception {
        Path fashion = Files.createDirectories(tmp.resolve("fm"));
        Files.write(fashion.resolve("t10k-images-idx3-ubyte.gz"), new byte[] {1});
        Path cifar = Files.createDirectories(tmp.resolve("c").resolve("cifar-10-batches-bin"));
        Files.write(cifar.resolve("test_batch.bin"), cifarBatch(1, 1));
        DatasetResolver r = resolver();

        assertEquals(new ResolvedDataset("fashion-mnist", fashion), r.resolve("file:" + fashion));
        assertEquals(new ResolvedDataset("fashion-mnist", fashion), r.resolve("file://" + fashion));
        assertEquals(new ResolvedDataset("cifar10", tmp.resolve("c")), r.resolve("file:" + tmp.resolve("c")));
        // the name decides, whatever the files look like; the engine then checks them
        assertEquals(new ResolvedDataset("cifar10", fashion), r.resolve("cifar10:file:" + fashion));
        assertEquals(new ResolvedDataset("fashion-mnist", fashion), r.resolve(" Fashion-MNIST:file:" + fashion + " "));

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        DatasetException unknownFormat = assertThrows(DatasetException.Invalid.class, () -> r.resolve("file:" + empty));
        assertTrue(unknownFormat.getMessage().startsWith("dataset 'file:" + empty + "': cannot tell the format"),
                unknownFormat.getMessage());
        DatasetException missing = assertThrows(DatasetException.Missing.class, () -> r.resolve("cifar10:file:/no/such/dir"));
        assertEquals("dataset 'cifar10:file:/no/such/dir': directory /no/such/dir does not exist on this worker", missing.getMessage());
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("file:relative/dir"))
                .getMessage().contains("must be absolute"));
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("file://host/dir"))
                .getMessage().contains("with a host"));
    }

    @Test
    void configuredCopiesAndUnknownNames() throws Exception {
        Path fm = Files.createDirectories(tmp.resolve("fm"));
        DatasetResolver r = new DatasetResolver(store, LOCAL, tmp.resolve("cache"), fm, tmp.resolve("no-cifar"));
        assertEquals(new ResolvedDataset("fashion-mnist", fm), r.resolve("fashion-mnist"));
        DatasetException noCifar = assertThrows(DatasetException.Missing.class, () -> r.resolve("CIFAR10"));
        assertTrue(noCifar.getMessage().startsWith("dataset 'CIFAR10': this service's copy at "), noCifar.getMessage());
        assertTrue(noCifar.getMessage().contains("sculptor.datasets.cifar10.dir"), noCifar.getMessage());

        for (String bad : new String[] {"imagenet", "mnist:file:/tmp", "cifar10:http://x/y"}) {
            DatasetException e = assertThrows(DatasetException.Invalid.class, () -> r.resolve(bad));
            assertTrue(e.getMessage().startsWith("dataset '" + bad + "': "), e.getMessage());
        }
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("imagenet")).getMessage()
                .contains("unknown dataset 'imagenet' (known: fashion-mnist, cifar10"));
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> r.resolve("  ")).getMessage().contains("is required"));
    }

    @Test
    void theDebianCopyIsTheDefault() {
        assertEquals(Path.of("/usr/share/datasets/fashion-mnist"), DatasetResolver.DEFAULT_FASHION_MNIST_DIR);
        if (Files.isDirectory(DatasetResolver.DEFAULT_FASHION_MNIST_DIR)) {
            DatasetResolver r = new DatasetResolver(store, LOCAL, tmp, DatasetResolver.DEFAULT_FASHION_MNIST_DIR, tmp.resolve("x"));
            assertEquals("fashion-mnist", r.resolve("file:" + DatasetResolver.DEFAULT_FASHION_MNIST_DIR).name());
        }
    }

    @Test
    void onlyWhatTheOperatorAllowsIsRead() throws Exception {
        Path fm = Files.createDirectories(tmp.resolve("fm"));
        Files.write(fm.resolve("t10k-images-idx3-ubyte.gz"), new byte[] {1});
        DatasetResolver strict = new DatasetResolver(store, DatasetResolver.Access.DEFAULT, tmp.resolve("cache"), fm, tmp.resolve("no-cifar"));
        String allowed = "allowed: fashion-mnist, cifar10, {cifar10|fashion-mnist}:s3://" + BUCKET + "/datasets/...";
        assertEquals(allowed, strict.allowed());

        // file: is off unless enabled, whatever the path
        for (String bad : new String[] {"file:/etc/passwd", "cifar10:file:/etc", "file:" + fm}) {
            DatasetException e = assertThrows(DatasetException.Invalid.class, () -> strict.check(bad, EnumSet.of(Split.TEST)));
            assertEquals("dataset '" + bad + "': file: datasets are not enabled on this service; " + allowed, e.getMessage());
        }
        // no other scheme, no host: nothing the server would fetch for a caller
        DatasetException metadata = assertThrows(DatasetException.Invalid.class,
                () -> strict.check("http://169.254.169.254/latest/meta-data/", EnumSet.of(Split.TEST)));
        assertEquals("dataset 'http://169.254.169.254/latest/meta-data/': the scheme 'http' is not allowed; " + allowed,
                metadata.getMessage());
        assertTrue(assertThrows(DatasetException.Invalid.class, () -> strict.check("cifar10:https://x/y", EnumSet.of(Split.TEST)))
                .getMessage().endsWith("expected s3://bucket/prefix or file:/abs/path; " + allowed));
        // the bucket, but outside the configured prefixes (checkpoints, jobs' files)
        DatasetException outside = assertThrows(DatasetException.Invalid.class,
                () -> strict.check("cifar10:s3://" + BUCKET + "/models/m/versions/1", EnumSet.of(Split.TEST)));
        assertEquals("dataset 'cifar10:s3://" + BUCKET + "/models/m/versions/1': the prefix 'models/m/versions/1' is not one "
                + "datasets may be read from; " + allowed, outside.getMessage());
        // a prefix is a folder: datasets-x/ is not under datasets/
        assertThrows(DatasetException.Invalid.class, () -> strict.check("cifar10:s3://" + BUCKET + "/datasets-x/a", EnumSet.of(Split.TEST)));
        // a long reference is not echoed whole
        String longUri = "x".repeat(10_000);
        DatasetException tooLong = assertThrows(DatasetException.Invalid.class, () -> strict.check(longUri, EnumSet.of(Split.TEST)));
        assertTrue(tooLong.getMessage().length() < 600, tooLong.getMessage());

        // check: allowed and present, nothing downloaded
        upload(tmp.resolve("up"), "test_batch.bin", cifarBatch(2, 4), "datasets/c3/test_batch.bin");
        assertEquals("cifar10", strict.check("cifar10:s3://" + BUCKET + "/datasets/c3", EnumSet.of(Split.TEST)));
        assertEquals(0, strict.downloads());
        assertFalse(Files.exists(tmp.resolve("cache")), "check downloads nothing");
        DatasetException missing = assertThrows(DatasetException.Missing.class,
                () -> strict.check("cifar10:s3://" + BUCKET + "/datasets/c3", EnumSet.allOf(Split.class)));
        assertTrue(missing.getMessage().contains("no data_batch_1.bin..data_batch_5.bin under s3://" + BUCKET + "/datasets/c3/"),
                missing.getMessage());
        assertThrows(DatasetException.Missing.class, () -> strict.check("fashion-mnist:s3://" + BUCKET + "/datasets/none",
                EnumSet.of(Split.TEST)));
        assertEquals("fashion-mnist", strict.check("FASHION-MNIST", EnumSet.allOf(Split.class)));
        assertThrows(DatasetException.Missing.class, () -> strict.check("cifar10", EnumSet.of(Split.TEST)));

        // the whole bucket when the operator says so; file: when enabled
        DatasetResolver open = new DatasetResolver(store, new DatasetResolver.Access(true, List.of("/")), tmp.resolve("cache2"), fm, fm);
        assertEquals("cifar10", open.check("cifar10:s3://" + BUCKET + "/datasets/c3", EnumSet.of(Split.TEST)));
        assertThrows(DatasetException.Missing.class, () -> open.check("cifar10:s3://" + BUCKET + "/elsewhere/c3", EnumSet.of(Split.TEST)));
        assertEquals("fashion-mnist", open.check("file:" + fm, EnumSet.of(Split.TEST)));
        assertThrows(DatasetException.Missing.class, () -> open.check("file:/no/such/dir", EnumSet.of(Split.TEST)));
    }
}
