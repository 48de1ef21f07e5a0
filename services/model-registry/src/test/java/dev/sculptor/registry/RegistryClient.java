package dev.sculptor.registry;

import com.google.protobuf.ByteString;
import dev.sculptor.api.v1.CheckpointChunk;
import dev.sculptor.api.v1.DownloadVersionRequest;
import dev.sculptor.api.v1.DownloadVersionResponse;
import dev.sculptor.api.v1.ModelRegistryGrpc;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.UploadVersionHeader;
import dev.sculptor.api.v1.UploadVersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A plain grpc-java client of the registry, as another team would write it. */
final class RegistryClient implements AutoCloseable {
    final ManagedChannel channel;

    RegistryClient(int port) {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    ModelRegistryGrpc.ModelRegistryBlockingStub blocking(String token) {
        return ModelRegistryGrpc.newBlockingStub(channel).withInterceptors(auth(token)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    ModelRegistryGrpc.ModelRegistryStub async(String token) {
        return ModelRegistryGrpc.newStub(channel).withInterceptors(auth(token));
    }

    static io.grpc.ClientInterceptor auth(String token) {
        Metadata md = new Metadata();
        if (token != null) {
            md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        return MetadataUtils.newAttachHeadersInterceptor(md);
    }

    /** Streams every file of a checkpoint directory, manifest first, in 64 KiB chunks. */
    ModelVersion upload(String token, UploadVersionHeader header, Path dir) throws Exception {
        CompletableFuture<ModelVersion> result = new CompletableFuture<>();
        StreamObserver<UploadVersionRequest> out = async(token).uploadVersion(new StreamObserver<>() {
            @Override
            public void onNext(ModelVersion v) {
                result.complete(v);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        out.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted((a, b) -> a.endsWith("manifest.json") ? -1 : b.endsWith("manifest.json") ? 1 : a.compareTo(b)).toList();
        }
        for (Path f : files) {
            byte[] all = Files.readAllBytes(f);
            int off = 0;
            do {
                int n = Math.min(65536, all.length - off);
                boolean last = off + n == all.length;
                out.onNext(UploadVersionRequest.newBuilder().setChunk(CheckpointChunk.newBuilder()
                        .setPart(f.getFileName().toString()).setOffset(off).setData(ByteString.copyFrom(all, off, n))
                        .setLast(last)).build());
                off += n;
            } while (off < all.length);
        }
        out.onCompleted();
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    /** Downloads a version's files into a directory; returns the version. */
    ModelVersion download(String token, String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        Iterator<DownloadVersionResponse> it = blocking(token).downloadVersion(DownloadVersionRequest.newBuilder().setName(name)
                .build());
        ModelVersion v = null;
        Map<String, OutputStream> open = new HashMap<>();
        while (it.hasNext()) {
            DownloadVersionResponse r = it.next();
            if (r.hasVersion()) {
                v = r.getVersion();
                continue;
            }
            CheckpointChunk c = r.getChunk();
            OutputStream o = open.computeIfAbsent(c.getPart(), p -> {
                try {
                    return Files.newOutputStream(dir.resolve(p));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            c.getData().writeTo(o);
            if (c.getLast()) {
                o.close();
            }
        }
        return v;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
