package dev.sculptor.platform.datasets;

import dev.sculptor.platform.store.CheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Turns a {@code DatasetRef.uri} into a local directory for the engine's {@code Datasets.load}, reading
 * only what the operator allows ({@link Access}): the dataset names, this service's bucket under the
 * configured prefixes, and {@code file:} directories only where enabled. Create paths call
 * {@link #check} so a reference that is not allowed, or whose files are not there, is refused before a
 * job, run or evaluation is accepted.
 *
 * <table>
 *   <caption>Accepted uris (dataset names are case-insensitive)</caption>
 *   <tr><td>{@code fashion-mnist}, {@code cifar10}</td><td>the service's configured copy (Fashion-MNIST:
 *       Debian's {@code dataset-fashion-mnist}, the engine's default)</td></tr>
 *   <tr><td>{@code cifar10:s3://bucket/prefix}, {@code fashion-mnist:s3://bucket/prefix}</td><td>the
 *       dataset's original files in this service's bucket under one of {@link Access#s3Prefixes()} (CIFAR-10: the binary batches, also accepted
 *       under {@code prefix/cifar-10-batches-bin/}), downloaded once into the cache directory and
 *       downloaded again only when an object's recorded digest changes</td></tr>
 *   <tr><td>{@code cifar10:file:/abs/path}, {@code fashion-mnist:file:/abs/path}</td><td>a directory on
 *       this machine, only when {@link Access#fileEnabled()}</td></tr>
 *   <tr><td>{@code file:/abs/path}</td><td>a directory on this machine whose format is recognised
 *       from its file names, only when {@link Access#fileEnabled()}</td></tr>
 * </table>
 *
 * <p>Only the files of the requested splits are fetched. File contents are the engine's business:
 * it checks them strictly when it loads them.
 */
public final class DatasetResolver {
    private static final Logger LOG = Logger.getLogger(DatasetResolver.class);

    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String CIFAR10 = "cifar10";
    /** Where Debian's {@code dataset-fashion-mnist} puts the files, as the engine expects by default. */
    public static final Path DEFAULT_FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The engine's default CIFAR-10 directory (relative to the working directory). */
    public static final Path DEFAULT_CIFAR10_DIR = Path.of("data/cifar-10-batches-bin");
    static final String CIFAR_SUBDIR = "cifar-10-batches-bin";

    /** The parts of a dataset a caller needs. */
    public enum Split {
        TRAIN,
        TEST
    }

    /** The longest part of a uri an error message repeats. */
    private static final int ECHO = 120;

    /**
     * What the operator lets dataset references read besides the two names.
     *
     * @param fileEnabled whether {@code file:} directories on the server may be read (for local use)
     * @param s3Prefixes the prefixes of this service's bucket that {@code s3://} references may name,
     *     each ending in {@code /}; {@code /} (or an empty one) allows the whole bucket
     */
    public record Access(boolean fileEnabled, List<String> s3Prefixes) {
        /** The default: no {@code file:}, the bucket's {@code datasets/} folder. */
        public static final Access DEFAULT = new Access(false, List.of("datasets/"));

        public Access {
            List<String> norm = new ArrayList<>();
            for (String p : s3Prefixes) {
                String t = p.trim();
                while (t.startsWith("/")) {
                    t = t.substring(1);
                }
                norm.add(t.isEmpty() || t.endsWith("/") ? t : t + "/");
            }
            s3Prefixes = List.copyOf(norm);
        }
    }

    private final CheckpointStore store;
    private final Access access;
    private final Path cacheDir;
    private final Path fashionMnistDir;
    private final Path cifar10Dir;
    private final ConcurrentHashMap<Path, Object> locks = new ConcurrentHashMap<>();
    private final AtomicLong downloads = new AtomicLong();

    /**
     * @param store the service's object store; null when it has none ({@code s3://} uris are then refused)
     * @param access what references may read besides the two names
     * @param cacheDir where files from the store are kept between calls
     * @param fashionMnistDir the configured copy behind {@code fashion-mnist}
     * @param cifar10Dir the configured copy behind {@code cifar10}
     */
    public DatasetResolver(CheckpointStore store, Access access, Path cacheDir, Path fashionMnistDir, Path cifar10Dir) {
        this.store = store;
        this.access = access;
        this.cacheDir = cacheDir;
        this.fashionMnistDir = fashionMnistDir;
        this.cifar10Dir = cifar10Dir;
    }

    /** Number of objects downloaded from the store so far (a cache hit downloads nothing). */
    public long downloads() {
        return downloads.get();
    }

    /** {@link #resolve(String, Set)} for both splits. */
    public ResolvedDataset resolve(String uri) {
        return resolve(uri, EnumSet.allOf(Split.class));
    }

    /**
     * Finds (downloading if needed) the files of the given splits.
     *
     * @throws DatasetException.Invalid when the uri is malformed, names an unknown dataset or something not allowed
     * @throws DatasetException.Missing when the directory or the objects are not there
     * @throws dev.sculptor.platform.store.StoreException when the store fails (e.g. is unreachable)
     */
    public ResolvedDataset resolve(String uri, Set<Split> splits) {
        Ref ref = parse(uri, splits);
        return switch (ref.kind()) {
            case NAMED -> configured(ref.uri(), ref.name());
            case FILE -> local(ref.uri(), ref.name(), ref.location());
            case S3 -> download(ref.uri(), ref.name(), locate(ref.uri(), ref.name(), ref.location(), splits));
        };
    }

    /**
     * What a create path asks before it accepts a job, run or evaluation: that the uri is allowed and
     * that the files of the given splits are there, without downloading anything.
     *
     * @return the canonical dataset name ({@value #FASHION_MNIST} or {@value #CIFAR10})
     * @throws DatasetException.Invalid when the uri is malformed, names an unknown dataset or something not allowed
     * @throws DatasetException.Missing when the directory or the objects are not there
     * @throws dev.sculptor.platform.store.StoreException when the store fails (e.g. is unreachable)
     */
    public String check(String uri, Set<Split> splits) {
        Ref ref = parse(uri, splits);
        return switch (ref.kind()) {
            case NAMED -> configured(ref.uri(), ref.name()).name();
            case FILE -> local(ref.uri(), ref.name(), ref.location()).name();
            case S3 -> {
                locate(ref.uri(), ref.name(), ref.location(), splits);
                yield ref.name();
            }
        };
    }

    /** What a reference may be here, for error messages. */
    public String allowed() {
        String bucket = store == null ? null : store.bucket();
        StringBuilder sb = new StringBuilder("allowed: " + FASHION_MNIST + ", " + CIFAR10);
        if (bucket != null) {
            for (String p : access.s3Prefixes()) {
                sb.append(", {" + CIFAR10 + "|" + FASHION_MNIST + "}:s3://" + bucket + "/" + p + "...");
            }
        }
        if (access.fileEnabled()) {
            sb.append(", file:/abs/path, {" + CIFAR10 + "|" + FASHION_MNIST + "}:file:/abs/path");
        }
        return sb.toString();
    }

    private enum Kind {
        NAMED,
        FILE,
        S3
    }

    /** A parsed, allowed uri: the trimmed uri, the canonical name (null: a {@code file:} directory to detect), where. */
    private record Ref(Kind kind, String uri, String name, String location) {}

    private Ref parse(String uri, Set<Split> splits) {
        String u = uri == null ? "" : uri.trim();
        if (u.isEmpty()) {
            throw new DatasetException.Invalid(u, "a dataset uri is required; " + allowed());
        }
        if (splits.isEmpty()) {
            throw new IllegalArgumentException("no split requested");
        }
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.equals(FASHION_MNIST) || lower.equals(CIFAR10)) {
            return new Ref(Kind.NAMED, u, lower, null);
        }
        if (lower.startsWith("file:")) {
            return file(u, null, u);
        }
        if (lower.startsWith("s3:")) {
            throw new DatasetException.Invalid(u, "say which dataset the objects hold: cifar10:" + echo(u) + " or fashion-mnist:"
                    + echo(u));
        }
        int colon = u.indexOf(':');
        if (colon <= 0) {
            throw unknown(u, u);
        }
        if (u.startsWith("//", colon + 1)) {
            // a scheme this resolver never reads (http, https, ftp...): the server must not fetch what a caller points at
            throw new DatasetException.Invalid(u, "the scheme '" + echo(u.substring(0, colon)) + "' is not allowed; " + allowed());
        }
        String name = canonical(u, u.substring(0, colon));
        String location = u.substring(colon + 1);
        String locLower = location.toLowerCase(Locale.ROOT);
        if (locLower.startsWith("s3://")) {
            return new Ref(Kind.S3, u, name, location.substring("s3://".length()));
        }
        if (locLower.startsWith("file:")) {
            return file(u, name, location);
        }
        throw new DatasetException.Invalid(u, "after '" + u.substring(0, colon + 1) + "' expected s3://bucket/prefix or file:/abs/path; "
                + allowed());
    }

    private Ref file(String uri, String name, String location) {
        if (!access.fileEnabled()) {
            throw new DatasetException.Invalid(uri, "file: datasets are not enabled on this service; " + allowed());
        }
        return new Ref(Kind.FILE, uri, name, location);
    }

    /** The start of a long piece of a uri, for messages. */
    static String echo(String s) {
        return s.length() <= ECHO ? s : s.substring(0, ECHO) + "...";
    }

    private String canonical(String uri, String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals(FASHION_MNIST) || n.equals(CIFAR10)) {
            return n;
        }
        throw unknown(uri, name);
    }

    private static DatasetException unknown(String uri, String name) {
        return new DatasetException.Invalid(uri, "unknown dataset '" + echo(name) + "' (known: " + FASHION_MNIST + ", " + CIFAR10
                + "; or a location: cifar10:s3://bucket/prefix, cifar10:file:/abs/path, file:/abs/path)");
    }

    // ---- local directories ----

    private ResolvedDataset configured(String uri, String name) {
        Path dir = name.equals(FASHION_MNIST) ? fashionMnistDir : cifar10Dir;
        if (!Files.isDirectory(dir)) {
            String hint = name.equals(FASHION_MNIST) ? " (install Debian's dataset-fashion-mnist or set sculptor.datasets.fashion-mnist.dir)"
                    : " (unpack cifar-10-binary.tar.gz there or set sculptor.datasets.cifar10.dir)";
            throw new DatasetException.Missing(uri, "this service's copy at " + dir.toAbsolutePath() + " does not exist" + hint);
        }
        return new ResolvedDataset(name, dir);
    }

    private static ResolvedDataset local(String uri, String name, String location) {
        String path = location.substring("file:".length());
        if (path.startsWith("//")) {
            path = path.substring(2);
            if (!path.startsWith("/")) {
                throw new DatasetException.Invalid(uri, "file uris with a host are not supported; use file:/abs/path");
            }
        }
        if (!path.startsWith("/")) {
            throw new DatasetException.Invalid(uri, "the path must be absolute (file:/abs/path)");
        }
        Path dir;
        try {
            dir = Path.of(path).normalize();
        } catch (InvalidPathException e) {
            throw new DatasetException.Invalid(uri, "not a valid path: " + e.getMessage());
        }
        if (!Files.exists(dir)) {
            throw new DatasetException.Missing(uri, "directory " + dir + " does not exist on this worker");
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetException.Missing(uri, dir + " is not a directory");
        }
        return new ResolvedDataset(name != null ? name : detect(uri, dir), dir);
    }

    /** The format of a directory, from the names of the files in it. */
    private static String detect(String uri, Path dir) {
        boolean fashion = false;
        for (String f : List.of("t10k-images-idx3-ubyte", "train-images-idx3-ubyte")) {
            fashion |= Files.isRegularFile(dir.resolve(f)) || Files.isRegularFile(dir.resolve(f + ".gz"));
        }
        boolean cifar = false;
        for (Path d : List.of(dir, dir.resolve(CIFAR_SUBDIR))) {
            cifar |= Files.isRegularFile(d.resolve("test_batch.bin")) || Files.isRegularFile(d.resolve("data_batch_1.bin"));
        }
        if (fashion == cifar) {
            throw new DatasetException.Invalid(uri, fashion ? dir + " holds both Fashion-MNIST and CIFAR-10 files; say which: "
                    + "fashion-mnist:" + uri + " or cifar10:" + uri : "cannot tell the format of " + dir
                    + " (no Fashion-MNIST idx files, no CIFAR-10 batches); say which: fashion-mnist:" + uri + " or cifar10:" + uri);
        }
        return fashion ? FASHION_MNIST : CIFAR10;
    }

    // ---- the object store ----

    /** Alternatives for one needed file (the first present is taken). */
    private record Wanted(String what, List<String> names, boolean required) {}

    private static List<Wanted> wanted(String name, Set<Split> splits) {
        List<Wanted> out = new ArrayList<>();
        if (name.equals(FASHION_MNIST)) {
            for (Split s : splits) {
                String p = s == Split.TRAIN ? "train" : "t10k";
                for (String kind : List.of("images-idx3", "labels-idx1")) {
                    String base = p + "-" + kind + "-ubyte";
                    out.add(new Wanted(base + "[.gz]", List.of(base, base + ".gz"), true));
                }
            }
        } else {
            if (splits.contains(Split.TRAIN)) {
                // the engine trains on whichever batches are there, but needs at least one
                for (int i = 1; i <= 5; i++) {
                    out.add(new Wanted("data_batch_" + i + ".bin", List.of("data_batch_" + i + ".bin"), false));
                }
            }
            if (splits.contains(Split.TEST)) {
                out.add(new Wanted("test_batch.bin", List.of("test_batch.bin"), true));
            }
        }
        return out;
    }

    /** Where a store uri's files are: the folder and the files to fetch from it. */
    private record Located(String bucket, String where, List<String> files) {}

    private Located locate(String uri, String name, String bucketAndPrefix, Set<Split> splits) {
        int slash = bucketAndPrefix.indexOf('/');
        String bucket = slash < 0 ? bucketAndPrefix : bucketAndPrefix.substring(0, slash);
        String prefix = slash < 0 ? "" : bucketAndPrefix.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (bucket.isEmpty()) {
            throw new DatasetException.Invalid(uri, "no bucket (expected " + name + ":s3://bucket/prefix)");
        }
        if (store == null) {
            throw new DatasetException.Invalid(uri, "this service has no object store configured");
        }
        if (!bucket.equals(store.bucket())) {
            throw new DatasetException.Invalid(uri, "bucket '" + echo(bucket) + "' is not this service's bucket '" + store.bucket()
                    + "'; only the configured bucket is read (copy the files to s3://" + store.bucket() + "/...); " + allowed());
        }
        if (prefix.isEmpty()) {
            throw new DatasetException.Invalid(uri, "no prefix: name the folder holding the files, e.g. " + name + ":s3://"
                    + bucket + "/datasets/" + name + "/");
        }
        for (String seg : prefix.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new DatasetException.Invalid(uri, "the prefix '" + echo(prefix) + "' has an empty, '.' or '..' segment");
            }
        }
        String folder = prefix + "/";
        if (access.s3Prefixes().stream().noneMatch(folder::startsWith)) {
            throw new DatasetException.Invalid(uri, "the prefix '" + echo(prefix) + "' is not one datasets may be read from; "
                    + allowed());
        }
        List<Wanted> wanted = wanted(name, splits);
        String where = prefix;
        List<String> present = store.list(where);
        if (name.equals(CIFAR10) && pick(wanted, present).isEmpty()) {
            List<String> sub = store.list(where + "/" + CIFAR_SUBDIR);
            if (!pick(wanted, sub).isEmpty()) {
                where = where + "/" + CIFAR_SUBDIR;
                present = sub;
            }
        }
        List<String> files = pick(wanted, present);
        List<String> missing = new ArrayList<>();
        for (Wanted w : wanted) {
            if (w.required() && w.names().stream().noneMatch(present::contains)) {
                missing.add(w.what());
            }
        }
        List<String> found = present;
        boolean noBatch = wanted.stream().filter(w -> !w.required()).noneMatch(w -> w.names().stream().anyMatch(found::contains));
        if (name.equals(CIFAR10) && splits.contains(Split.TRAIN) && noBatch) {
            missing.add(0, "data_batch_1.bin..data_batch_5.bin");
        }
        if (!missing.isEmpty()) {
            throw new DatasetException.Missing(uri, "no " + String.join(", ", missing) + " under s3://" + bucket + "/" + where
                    + "/ (found " + (present.isEmpty() ? "no objects" : present.stream().sorted().limit(20).toList()) + ")");
        }
        return new Located(bucket, where, files);
    }

    private ResolvedDataset download(String uri, String name, Located at) {
        Path dir = cacheDir.resolve(name + "-" + shortHash(at.bucket() + "/" + at.where()));
        synchronized (locks.computeIfAbsent(dir, d -> new Object())) {
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(".source"), "s3://" + at.bucket() + "/" + at.where() + "/\n");
                for (String f : at.files()) {
                    fetch(at.where() + "/" + f, dir, f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the dataset cache " + dir + ": " + e.getMessage(), e);
            }
        }
        return new ResolvedDataset(name, dir);
    }

    private static List<String> pick(List<Wanted> wanted, List<String> present) {
        Set<String> out = new LinkedHashSet<>();
        for (Wanted w : wanted) {
            w.names().stream().filter(present::contains).findFirst().ifPresent(out::add);
        }
        return new ArrayList<>(out);
    }

    /** Downloads one object unless the cached copy has the object's current fingerprint. */
    private void fetch(String key, Path dir, String file) throws IOException {
        String sha = store.sha256Of(key);
        String fingerprint = sha != null ? sha : "size:" + store.sizeOf(key);
        Path local = dir.resolve(file);
        Path stamp = dir.resolve("." + file + ".fingerprint");
        if (Files.isRegularFile(local) && Files.isRegularFile(stamp)
                && Files.readString(stamp, StandardCharsets.UTF_8).equals(fingerprint)) {
            return;
        }
        Path part = dir.resolve("." + file + ".part");
        store.getFile(key, part);
        try {
            Files.move(part, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, local, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(stamp, fingerprint, StandardCharsets.UTF_8);
        downloads.incrementAndGet();
        LOG.infof("dataset file %s downloaded to %s", store.uri(key), local);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
