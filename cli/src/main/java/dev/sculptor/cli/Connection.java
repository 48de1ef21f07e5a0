package dev.sculptor.cli;

import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A plaintext channel to one service with the bearer token attached to every call. */
final class Connection implements AutoCloseable {
    /** Unary calls give up after this long. */
    static final long UNARY_DEADLINE_SECONDS = 60;
    /** Matches the registry's limit on one message (4 MiB); a chunk carries at most 1 MiB. */
    static final int MAX_MESSAGE_BYTES = 8 << 20;

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    final Endpoints.Target target;
    private final ManagedChannel channel;
    private final ClientInterceptor auth;

    Connection(Endpoints.Target target) {
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

    /** A stub for unary calls: with the token and a deadline, e.g. {@code unary(PruningGrpc::newBlockingStub)}. */
    <S extends AbstractStub<S>> S unary(Function<Channel, S> newStub) {
        return newStub.apply(channel).withInterceptors(auth).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** A stub for streams that last as long as the work they follow (a watch, a transfer): no overall deadline. */
    <S extends AbstractStub<S>> S streaming(Function<Channel, S> newStub) {
        return newStub.apply(channel).withInterceptors(auth);
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
