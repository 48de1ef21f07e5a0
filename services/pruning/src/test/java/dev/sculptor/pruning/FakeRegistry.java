package dev.sculptor.pruning;

import dev.sculptor.platform.events.EventPublisher;
import dev.sculptor.platform.events.Topics;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.EmbeddedS3;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.S3Resource;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The model registry for the pruning service to call: {@link FakeRegistryService}, an in-process gRPC
 * server on a loopback port that reads checkpoints from the JVM's shared S3 server (bucket
 * {@value S3Resource#DEFAULT_BUCKET}) and publishes the registry's events to its shared Kafka broker.
 * The registry itself is tested in its own module; here it is a neighbour.
 *
 * <p>Started once per JVM on the system class loader's copy of this class, so that every Quarkus
 * application of the run (each has its own class loader) talks to the same server and state; only a
 * {@code String} crosses between the copies. A shutdown hook stops it.
 *
 * <p>Returns {@code sculptor.registry.grpc} and {@code sculptor.registry.token} ({@link #TOKEN}, the
 * only token the fake accepts).
 */
public class FakeRegistry implements QuarkusTestResourceLifecycleManager {
    static final String TOKEN = "registry-test-token";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static String target;

    /** {@code 127.0.0.1:<port>} of the running fake, starting it on first use. */
    public static String target() {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        Class<?> shared = FakeRegistry.class;
        if (FakeRegistry.class.getClassLoader() != system) {
            try {
                shared = Class.forName(FakeRegistry.class.getName(), true, system);
            } catch (ClassNotFoundException | LinkageError e) {
                shared = FakeRegistry.class;
            }
        }
        try {
            Method m = shared.getDeclaredMethod("startOnce");
            m.setAccessible(true);
            return (String) m.invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the shared fake registry", e);
        }
    }

    @Override
    public Map<String, String> start() {
        return Map.of("sculptor.registry.grpc", target(), "sculptor.registry.token", TOKEN);
    }

    /** The server outlives every test class; the shutdown hook stops it. */
    @Override
    public void stop() {
    }

    private static synchronized String startOnce() {
        if (target != null) {
            return target;
        }
        // Kafka's clients, MinIO's and Netty's threads load classes through the context class loader and
        // keep the one they start with: make it this class's, not the Quarkus application's that asked
        Thread current = Thread.currentThread();
        ClassLoader context = current.getContextClassLoader();
        current.setContextClassLoader(FakeRegistry.class.getClassLoader());
        try {
            String kafka = KafkaResource.bootstrapServers();
            EmbeddedKafka.createTopics(kafka, 1, Topics.REGISTRY_EVENTS);
            EventPublisher events = new EventPublisher(kafka, "fake-registry", Duration.ofSeconds(30));
            CheckpointStore store = new CheckpointStore(S3Resource.endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY,
                    S3Resource.DEFAULT_BUCKET);
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(ServerInterceptors.intercept(new FakeRegistryService(store, events), new BearerToken()))
                    .build().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.shutdownNow();
                try {
                    server.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                events.close();
            }, "fake-registry-shutdown"));
            target = "127.0.0.1:" + server.getPort();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake registry", e);
        } finally {
            current.setContextClassLoader(context);
        }
    }

    /** Calls without {@code authorization: Bearer} {@link #TOKEN} are UNAUTHENTICATED, as with an unknown token. */
    private static final class BearerToken implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (!("Bearer " + TOKEN).equals(headers.get(AUTHORIZATION))) {
                call.close(Status.UNAUTHENTICATED.withDescription("unknown bearer token"), new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
