package dev.sculptor.cli;

import com.google.protobuf.ByteString;
import dev.sculptor.api.v1.CheckpointChunk;
import dev.sculptor.api.v1.DownloadVersionRequest;
import dev.sculptor.api.v1.DownloadVersionResponse;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.api.v1.UploadVersionRequest;
import dev.sculptor.engine.checkpoint.CheckpointDir;
import dev.sculptor.engine.checkpoint.CheckpointVerifier;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/** Moves checkpoint directories to and from the registry, checking them on both sides. */
final class Transfer {
    private Transfer() {}

    /** A file name inside a checkpoint (the contract's {@code CheckpointChunk.part}); never a path, never hidden. */
    static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");

    /** Bytes of checkpoint data per chunk message. */
    static final int CHUNK = 1 << 20;

    /** What an upload sent. */
    record Uploaded(ModelVersion version, int files, long bytes) {}

    /** What a download wrote. */
    record Downloaded(ModelVersion version, Path dir, int files, long bytes) {}

    // ------------------------------------------------------------------------------------------------ upload

    /**
     * Streams a checkpoint directory that {@link CheckpointVerifier#verify} accepted (manifest, every part's size and
     * SHA-256, tensors against the architecture): it sends {@code manifest.json} and the parts it lists, in 1 MiB chunks with each part's SHA-256 on its last
     * chunk, honouring gRPC flow control. Files the manifest does not list are not sent.
     */
    static Uploaded upload(Registry registry, UploadVersionHeader.Builder header, Path dir, CheckpointVerifier.Verified verified) {
        List<Path> files = new ArrayList<>();
        files.add(dir.resolve(CheckpointDir.MANIFEST));
        verified.manifest().parts().keySet().forEach(p -> files.add(dir.resolve(p)));
        long total = 0;
        for (Path f : files) {
            total += size(f);
        }
        header.setTotalBytes(total);

        CompletableFuture<ModelVersion> result = new CompletableFuture<>();
        Object ready = new Object();
        ClientResponseObserver<UploadVersionRequest, ModelVersion> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<UploadVersionRequest> requests) {
                requests.setOnReadyHandler(() -> {
                    synchronized (ready) {
                        ready.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(ModelVersion v) {
                result.complete(v);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
                synchronized (ready) {
                    ready.notifyAll();
                }
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(Status.INTERNAL.withDescription("the registry closed the upload without an answer")
                        .asRuntimeException());
            }
        };
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<UploadVersionRequest> requests =
                (ClientCallStreamObserver<UploadVersionRequest>) registry.async().uploadVersion(responses);
        try {
            requests.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
            byte[] buf = new byte[CHUNK];
            outer:
            for (Path f : files) {
                String part = f.getFileName().toString();
                long size = size(f);
                MessageDigest md = sha256();
                long offset = 0;
                try (InputStream in = Files.newInputStream(f)) {
                    do {
                        if (!awaitReady(requests, result, ready)) {
                            break outer; // the registry already answered (an error): stop sending
                        }
                        int n = in.readNBytes(buf, 0, (int) Math.min(CHUNK, size - offset));
                        if (n <= 0 && offset < size) {
                            throw CliException.failure(f + ": changed while uploading (shorter than " + size + " bytes)");
                        }
                        md.update(buf, 0, n);
                        boolean last = offset + n >= size;
                        CheckpointChunk.Builder c = CheckpointChunk.newBuilder().setPart(part).setOffset(offset)
                                .setData(ByteString.copyFrom(buf, 0, n)).setLast(last);
                        if (last) {
                            c.setSha256(HexFormat.of().formatHex(md.digest()));
                        }
                        requests.onNext(UploadVersionRequest.newBuilder().setChunk(c).build());
                        offset += n;
                    } while (offset < size);
                }
            }
            if (!result.isDone()) {
                requests.onCompleted();
            }
        } catch (IOException e) {
            requests.onError(Status.CANCELLED.withDescription("client failed").asRuntimeException());
            throw CliException.failure(Errors.io(e), e);
        } catch (RuntimeException e) {
            requests.onError(Status.CANCELLED.withDescription("client failed").asRuntimeException());
            throw e;
        }
        try {
            return new Uploaded(result.get(Registry.UNARY_DEADLINE_SECONDS * 5, TimeUnit.SECONDS), files.size(), total);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (TimeoutException e) {
            requests.onError(Status.CANCELLED.withDescription("client timed out").asRuntimeException());
            throw CliException.failure("the registry did not answer the upload in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failure("interrupted");
        }
    }

    /** Waits until the stream can take another message; false when the call has already ended. */
    private static boolean awaitReady(ClientCallStreamObserver<?> requests, CompletableFuture<?> result, Object ready) {
        synchronized (ready) {
            while (!requests.isReady() && !result.isDone()) {
                try {
                    ready.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw CliException.failure("interrupted");
                }
            }
        }
        return !result.isDone();
    }

    // ------------------------------------------------------------------------------------------------ download

    /**
     * Downloads {@code version} into {@code target}: the parts are written to a staging directory inside it, each
     * checked against the SHA-256 on its last chunk, the whole checkpoint is verified, and only then are the files
     * moved into place (manifest last). A failure leaves {@code target} as it was. {@code target} must be missing or
     * empty unless {@code force}, which replaces files of the same name.
     */
    static Downloaded download(Registry registry, String version, Path target, boolean force) {
        Path dir = target.toAbsolutePath().normalize();
        boolean created = false;
        try {
            if (Files.exists(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw CliException.failure(dir + ": exists and is not a directory");
                }
                if (!force && !isEmpty(dir)) {
                    throw CliException.failure(dir + ": directory is not empty (pass --force to replace its checkpoint files)");
                }
            } else {
                Files.createDirectories(dir);
                created = true;
            }
        } catch (IOException e) {
            throw CliException.failure(Errors.io(e), e);
        }
        Path staging = null;
        boolean ok = false;
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            staging = Files.createTempDirectory(dir, ".download-");
            Path stage = staging;
            ModelVersion v;
            Map<String, Long> parts;
            Context previous = call.attach();
            try {
                Iterator<DownloadVersionResponse> it = registry.streamingBlocking()
                        .downloadVersion(DownloadVersionRequest.newBuilder().setName(version).build());
                if (!it.hasNext()) {
                    throw CliException.failure("the registry sent nothing for " + version);
                }
                DownloadVersionResponse first = it.next();
                if (!first.hasVersion()) {
                    throw CliException.failure("the registry's download of " + version + " did not start with the version");
                }
                v = first.getVersion();
                parts = receive(it, stage, v.getName());
            } finally {
                call.detach(previous);
            }
            if (!parts.containsKey(CheckpointDir.MANIFEST)) {
                throw CliException.failure(v.getName() + ": the download carried no " + CheckpointDir.MANIFEST);
            }
            CheckpointVerifier.Verified verified = CheckpointVerifier.verify(stage);
            Set<String> listed = new HashSet<>(verified.manifest().parts().keySet());
            listed.add(CheckpointDir.MANIFEST);
            if (!listed.containsAll(parts.keySet())) {
                Set<String> extra = new HashSet<>(parts.keySet());
                extra.removeAll(listed);
                throw CliException.failure(v.getName() + ": the download carried files its manifest does not list: " + extra);
            }
            // Parts first, the manifest last: whoever looks at the directory never sees a manifest without its parts.
            for (String p : parts.keySet()) {
                if (!p.equals(CheckpointDir.MANIFEST)) {
                    move(stage.resolve(p), dir.resolve(p));
                }
            }
            move(stage.resolve(CheckpointDir.MANIFEST), dir.resolve(CheckpointDir.MANIFEST));
            ok = true;
            long bytes = parts.values().stream().mapToLong(Long::longValue).sum();
            return new Downloaded(v, dir, parts.size(), bytes);
        } catch (IOException e) {
            throw CliException.failure(Errors.io(e), e);
        } finally {
            call.cancel(null);
            if (staging != null) {
                deleteTree(staging);
            }
            if (!ok && created) {
                deleteTree(dir);
            }
        }
    }

    /** Writes the chunks into {@code stage}; returns part name to size, in arrival order. */
    private static Map<String, Long> receive(Iterator<DownloadVersionResponse> it, Path stage, String version) throws IOException {
        Map<String, Long> done = new LinkedHashMap<>();
        String current = null;
        OutputStream out = null;
        MessageDigest md = null;
        long offset = 0;
        try {
            while (it.hasNext()) {
                DownloadVersionResponse r = it.next();
                if (!r.hasChunk()) {
                    throw CliException.failure(version + ": the download sent the version twice");
                }
                CheckpointChunk c = r.getChunk();
                if (!c.getPart().equals(current)) {
                    if (current != null) {
                        throw CliException.failure(version + ": " + current + " ended without its last chunk before "
                                + c.getPart() + " started");
                    }
                    if (!PART.matcher(c.getPart()).matches()) {
                        throw CliException.failure(version + ": the registry sent a file named '" + c.getPart()
                                + "', which is not a plain file name");
                    }
                    if (done.containsKey(c.getPart())) {
                        throw CliException.failure(version + ": " + c.getPart() + " was sent twice");
                    }
                    current = c.getPart();
                    out = Files.newOutputStream(stage.resolve(current), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    md = sha256();
                    offset = 0;
                }
                if (c.getOffset() != offset) {
                    throw CliException.failure(version + ": " + current + " chunk at offset " + c.getOffset() + ", expected "
                            + offset);
                }
                c.getData().writeTo(out);
                md.update(c.getData().asReadOnlyByteBuffer());
                offset += c.getData().size();
                if (c.getLast()) {
                    out.close();
                    out = null;
                    String sha = HexFormat.of().formatHex(md.digest());
                    if (!c.getSha256().isEmpty() && !c.getSha256().equalsIgnoreCase(sha)) {
                        throw CliException.failure(version + ": " + current + " arrived with SHA-256 " + sha
                                + " but the registry sent " + c.getSha256() + ": corrupted in transit");
                    }
                    done.put(current, offset);
                    current = null;
                }
            }
            if (current != null) {
                throw CliException.failure(version + ": the download ended in the middle of " + current);
            }
            return done;
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // failing anyway
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw CliException.failure(Errors.io(e), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof io.grpc.StatusException se) {
            return se.getStatus().asRuntimeException(se.getTrailers());
        }
        return CliException.failure(t.toString(), t);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: a leftover staging directory is harmless
        }
    }
}
