package dev.sculptor.platform.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Sends a status description as the gRPC spec writes {@code grpc-message} (PROTOCOL-HTTP2.md): UTF-8,
 * percent-encoding only the bytes outside 0x20-0x7E and {@code %} itself, so that every client reads
 * the message as written. The Vert.x gRPC server that serves the services on their HTTP port
 * ({@code quarkus.grpc.server.use-separate-server=false}) form-encodes it instead
 * ({@code java.net.URLEncoder}: {@code :} {@code /} {@code ,} {@code '} ... too), which grpc-java
 * decodes but Node.js's grpc-js does not ({@code name%3A is required (models%2F{model})}). So, on that
 * server, a call closes with its description already encoded in a {@code grpc-message} trailer of its
 * own and none in the status, and Vert.x, given no description, writes none over it. The separate
 * grpc-java server encodes by the spec itself; there this does nothing.
 * <p>
 * The highest priority ({@link Prioritized}, as Quarkus orders interceptors) makes it the outermost
 * one, so that it sees every close, the other interceptors' (authentication, Quarkus's exception
 * handling) included.
 */
@ApplicationScoped
@GlobalInterceptor
public class StatusMessages implements ServerInterceptor, Prioritized {
    /** The trailer, its value already encoded. */
    static final Metadata.Key<String> GRPC_MESSAGE = Metadata.Key.of("grpc-message", Metadata.ASCII_STRING_MARSHALLER);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    @ConfigProperty(name = "quarkus.grpc.server.use-separate-server", defaultValue = "true")
    boolean separateServer;

    @Override
    public int getPriority() {
        return Integer.MAX_VALUE;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (separateServer) {
            return next.startCall(call, headers);
        }
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (status.isOk() || status.getDescription() == null) {
                    super.close(status, trailers);
                    return;
                }
                trailers.removeAll(GRPC_MESSAGE);
                trailers.put(GRPC_MESSAGE, encode(status.getDescription()));
                super.close(status.withDescription(null), trailers);
            }
        }, headers);
    }

    /** {@code message} as {@code grpc-message} carries it: UTF-8, bytes outside 0x20-0x7E and '%' as {@code %XX}. */
    public static String encode(String message) {
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length * 3];
        int n = 0;
        for (byte b : utf8) {
            if (b >= 0x20 && b <= 0x7E && b != '%') {
                out[n++] = b;
            } else {
                out[n++] = '%';
                out[n++] = HEX[(b >> 4) & 0xF];
                out[n++] = HEX[b & 0xF];
            }
        }
        return new String(out, 0, n, StandardCharsets.US_ASCII);
    }
}
