package dev.sculptor.cli;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server in the test's JVM on a free loopback port, serving hand-written fakes of the services, so the CLI's
 * client side (requests sent, streams followed, output, exit codes) can be checked. It records the method and the
 * {@code authorization} header of every call. The real services are tested in their own modules.
 */
final class FakeServer implements AutoCloseable {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** One call as the server saw it. */
    record Call(String method, String authorization) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Server server;

    FakeServer(BindableService... services) throws IOException {
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                calls.add(new Call(call.getMethodDescriptor().getBareMethodName(), headers.get(AUTHORIZATION)));
                return next.startCall(call, headers);
            }
        };
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        for (BindableService s : services) {
            b.addService(ServerInterceptors.intercept(s, recorder));
        }
        server = b.build().start();
    }

    int port() {
        return server.getPort();
    }

    String endpoint() {
        return "127.0.0.1:" + port();
    }

    List<String> methods() {
        return calls.stream().map(Call::method).toList();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
