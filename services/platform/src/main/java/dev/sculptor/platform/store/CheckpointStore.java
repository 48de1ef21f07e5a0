package dev.sculptor.platform.store;

import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checkpoints in any S3-compatible store (MinIO in production, S3Proxy locally), through the MinIO
 * client. Objects are streamed (multipart above 16 MiB), each carries its SHA-256 as user metadata,
 * and every read verifies it, so a corrupted object is an error, never a silently wrong model.
 * Layout: one bucket; {@code models/{model}/versions/{n}/}, {@code jobs/{job}/scores/},
 * {@code runs/{run}/checkpoints/}.
 */
public final class CheckpointStore {
    public static final String SHA_KEY = "sha256";
    private static final long PART_SIZE = 16L << 20;

    private final MinioClient client;
    private final String bucket;
    private final String endpoint;

    public CheckpointStore(String endpoint, String accessKey, String secretKey, String bucket) {
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region("us-east-1").build();
        this.bucket = bucket;
        this.endpoint = endpoint;
    }

    public String bucket() {
        return bucket;
    }

    /** The store's address, for readiness and error messages. */
    public String endpoint() {
        return endpoint;
    }

    /** Whether the bucket exists: the cheapest call that proves the store answers (readiness). */
    public boolean bucketExists() {
        return call("check bucket " + bucket, () -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
    }

    /** {@code s3://bucket/key} of a key. */
    public String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** Creates the bucket unless it exists. */
    public void ensureBucket() {
        call("create bucket " + bucket, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                makeBucket();
            }
            return null;
        });
    }

    /**
     * Creates the bucket; one that someone else created since this replica looked (the local stack's S3 process,
     * another replica starting at the same time) is as good: the store's "already owned" or "already exists" then
     * counts as done, provided the bucket is there for these credentials.
     */
    void makeBucket() throws Exception {
        try {
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            boolean there = ("BucketAlreadyOwnedByYou".equals(code) || "BucketAlreadyExists".equals(code))
                    && client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
            if (!there) {
                throw e;
            }
        }
    }

    /** Uploads a file, recording its SHA-256; returns the hex digest. */
    public String putFile(Path file, String key) {
        String sha = sha256(file);
        call("upload " + uri(key), () -> {
            try (InputStream in = Files.newInputStream(file)) {
                client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                        .stream(in, Files.size(file), PART_SIZE)
                        .userMetadata(Map.of(SHA_KEY, sha))
                        .contentType("application/octet-stream").build());
            }
            return null;
        });
        return sha;
    }

    /** Uploads every regular file of a directory (not recursive) under {@code prefix/}; name to SHA-256. */
    public Map<String, String> putDirectory(Path dir, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                out.put(name, putFile(f, join(prefix, name)));
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Downloads an object to a file, verifying its recorded SHA-256. */
    public void getFile(String key, Path file) {
        String expected = stat(key).userMetadata().get(SHA_KEY);
        String actual = call("download " + uri(key), () -> {
            MessageDigest md = digest();
            try (InputStream in = new DigestInputStream(client.getObject(GetObjectArgs.builder().bucket(bucket).object(key)
                    .build()), md); OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            return HexFormat.of().formatHex(md.digest());
        });
        if (expected != null && !expected.equals(actual)) {
            throw new StoreException.Corrupt(uri(key) + ": SHA-256 mismatch (recorded " + expected + ", read " + actual
                    + "): the object was modified or corrupted");
        }
    }

    /** Downloads every object directly under {@code prefix/} into a directory. */
    public List<String> getDirectory(String prefix, Path dir) {
        List<String> names = list(prefix);
        if (names.isEmpty()) {
            throw new StoreException.NotFound(uri(join(prefix, "")) + ": no objects under this prefix");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        for (String n : names) {
            getFile(join(prefix, n), dir.resolve(n));
        }
        return names;
    }

    /** Opens an object for streaming; the caller verifies the digest against {@link #sha256Of}. */
    public InputStream open(String key) {
        return call("download " + uri(key), () -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    public String sha256Of(String key) {
        return stat(key).userMetadata().get(SHA_KEY);
    }

    public long sizeOf(String key) {
        return stat(key).size();
    }

    public boolean exists(String key) {
        try {
            stat(key);
            return true;
        } catch (StoreException.NotFound e) {
            return false;
        }
    }

    /** Names (relative to the prefix) of the objects directly under {@code prefix/}. */
    public List<String> list(String prefix) {
        String p = join(prefix, "");
        return call("list " + uri(p), () -> {
            List<String> out = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(p).recursive(false).build())) {
                Item it = r.get();
                if (!it.isDir()) {
                    out.add(it.objectName().substring(p.length()));
                }
            }
            return out;
        });
    }

    /** Server-side copy of every object under one prefix to another, keeping the recorded digests. */
    public void copyPrefix(String from, String to) {
        for (String n : list(from)) {
            String src = join(from, n);
            String dst = join(to, n);
            call("copy " + uri(src) + " to " + uri(dst), () -> client.copyObject(CopyObjectArgs.builder().bucket(bucket)
                    .object(dst).source(CopySource.builder().bucket(bucket).object(src).build()).build()));
        }
    }

    /** Deletes every object under {@code prefix/}, at any depth. */
    public void deletePrefix(String prefix) {
        String p = join(prefix, "");
        List<String> keys = call("list " + uri(p), () -> {
            List<String> out = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(p).recursive(true).build())) {
                if (!r.get().isDir()) {
                    out.add(r.get().objectName());
                }
            }
            return out;
        });
        for (String key : keys) {
            call("delete " + uri(key), () -> {
                client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
                return null;
            });
        }
    }

    private StatObjectResponse stat(String key) {
        return call("stat " + uri(key), () -> client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    @FunctionalInterface
    private interface StoreCall<T> {
        T run() throws Exception;
    }

    private <T> T call(String what, StoreCall<T> c) {
        try {
            return c.run();
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchBucket".equals(code) || "NoSuchObject".equals(code)) {
                throw new StoreException.NotFound(what + ": " + ("NoSuchBucket".equals(code) ? "bucket " + bucket
                        + " does not exist" : "object does not exist"));
            }
            throw new StoreException(what + ": " + code + " " + e.errorResponse().message(), e);
        } catch (ConnectException e) {
            throw new StoreException.Unavailable("object store at " + endpoint + " is unreachable (" + what + "): "
                    + e.getMessage(), e);
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException || String.valueOf(e.getMessage()).contains("Failed to connect")) {
                throw new StoreException.Unavailable("object store at " + endpoint + " is unreachable (" + what + "): "
                        + e.getMessage(), e);
            }
            throw new StoreException(what + ": " + e.getMessage(), e);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(Path file) {
        MessageDigest md = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(String prefix, String name) {
        return prefix.endsWith("/") || prefix.isEmpty() ? prefix + name : prefix + "/" + name;
    }
}
