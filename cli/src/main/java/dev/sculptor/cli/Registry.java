package dev.sculptor.cli;

import dev.sculptor.api.v1.ModelRegistryGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/** A plaintext channel to the model registry with the bearer token attached to every call. */
final class Registry implements AutoCloseable {
    /** Unary calls give up after this long. */
    static final long UNARY_DEADLINE_SECONDS = 60;
    /** Matches the registry's limit on one message (4 MiB); a chunk carries at most 1 MiB. */
    static final int MAX_MESSAGE_BYTES = 8 << 20;

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    final Endpoints.Target target;
    private final ManagedChannel channel;
    private final ClientInterceptor auth;

    Registry(Endpoints.Target target) {
        this.target = target;
        this.channel = Grpc.newChannelBuilderForAddress(target.host(), target.port(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .userAgent("sculptor-cli")
                .build();
        Metadata md = new Metadata();
        if (target.token() != null) {
            md.put(AUTHORIZATION, "Bearer " + target.token());
        }
        this.auth = MetadataUtils.newAttachHeadersInterceptor(md);
    }

    /** For unary calls: with a deadline. */
    ModelRegistryGrpc.ModelRegistryBlockingStub blocking() {
        return ModelRegistryGrpc.newBlockingStub(channel).withInterceptors(auth)
                .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** For a download: no overall deadline (a checkpoint may be large). */
    ModelRegistryGrpc.ModelRegistryBlockingStub streamingBlocking() {
        return ModelRegistryGrpc.newBlockingStub(channel).withInterceptors(auth);
    }

    /** For an upload (client-streaming): no overall deadline. */
    ModelRegistryGrpc.ModelRegistryStub async() {
        return ModelRegistryGrpc.newStub(channel).withInterceptors(auth);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
