package dev.sculptor.pruning;

import dev.sculptor.platform.events.Topics;
import dev.sculptor.testing.EmbeddedKafka;
import dev.sculptor.testing.EmbeddedS3;
import dev.sculptor.testing.KafkaResource;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real model registry for the pruning service to call: its packaged application
 * ({@code services/model-registry/target/quarkus-app}) as a child process on the JVM's shared
 * PostgreSQL (database {@code registry}), Kafka broker and S3 server. Started once per JVM, on the
 * system class loader's copy of this class so that every Quarkus application of the run sees the
 * same process, and stopped by a shutdown hook.
 *
 * <p>Returns {@code sculptor.registry.grpc} and {@code sculptor.registry.token} (an admin token).
 */
public class RegistryProcess implements QuarkusTestResourceLifecycleManager {
    static final String JAR = "../model-registry/target/quarkus-app/quarkus-run.jar";
    static final Path LOG = Path.of("target", "registry-process.log");
    static final String TOKEN = "admin-token";
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);

    private static Process process;
    private static String target;

    /** {@code 127.0.0.1:<port>} of the running registry, starting it on first use. */
    public static String target() {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        Class<?> shared = RegistryProcess.class;
        if (RegistryProcess.class.getClassLoader() != system) {
            try {
                shared = Class.forName(RegistryProcess.class.getName(), true, system);
            } catch (ClassNotFoundException | LinkageError e) {
                shared = RegistryProcess.class;
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
            throw new IllegalStateException("cannot reach the shared registry process", e);
        }
    }

    @Override
    public Map<String, String> start() {
        return Map.of("sculptor.registry.grpc", target(), "sculptor.registry.token", TOKEN);
    }

    /** The process outlives every test class; the shutdown hook stops it. */
    @Override
    public void stop() {
    }

    private static synchronized String startOnce() {
        if (process != null && process.isAlive()) {
            return target;
        }
        Path jar = Path.of(JAR).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the model registry is not packaged: " + jar + " is missing; build it first with "
                    + "`mvn -o install -DskipTests -pl services/model-registry` (the reactor builds it before services/pruning)");
        }
        String kafka = KafkaResource.bootstrapServers();
        List<String> topics = new ArrayList<>(Topics.ALL);
        Topics.ALL.forEach(t -> topics.add(Topics.dlq(t)));
        // Kafka's clients load classes through the context class loader: make it this class's
        Thread current = Thread.currentThread();
        ClassLoader context = current.getContextClassLoader();
        current.setContextClassLoader(RegistryProcess.class.getClassLoader());
        try {
            EmbeddedKafka.createTopics(kafka, 1, topics.toArray(String[]::new));
        } finally {
            current.setContextClassLoader(context);
        }
        String jdbc = PostgresResource.jdbcUrl("registry");
        String s3 = S3Resource.endpoint();
        IllegalStateException last = null;
        // a port found free may be taken before the registry binds it: try another
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.grpc.server.use-separate-server=false",
                    "-Dquarkus.datasource.jdbc.url=" + jdbc,
                    "-Dquarkus.datasource.username=postgres",
                    "-Dquarkus.datasource.password=postgres",
                    "-Dkafka.bootstrap.servers=" + kafka,
                    "-Dsculptor.store.endpoint=" + s3,
                    "-Dsculptor.store.access-key=" + EmbeddedS3.ACCESS_KEY,
                    "-Dsculptor.store.secret-key=" + EmbeddedS3.SECRET_KEY,
                    "-Dsculptor.store.bucket=" + S3Resource.DEFAULT_BUCKET,
                    "-Dsculptor.auth.tokens=admin-token:admin,write-token:write,read-token:read",
                    "-Dquarkus.log.category.\"org.apache.kafka\".level=WARN",
                    "-jar", jar.toString()));
            try {
                Files.createDirectories(LOG.getParent());
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(LOG.toFile()).start();
                awaitReady(p, port);
                process = p;
                target = "127.0.0.1:" + port;
                Thread hook = new Thread(RegistryProcess::stopProcess, "registry-process-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                return target;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the model registry (" + jar + ")", e);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private static void awaitReady(Process p, int port) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the model registry exited with " + p.exitValue() + " before it was ready; "
                        + "end of " + LOG.toAbsolutePath() + ":\n" + logTail());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IllegalStateException("interrupted while waiting for the model registry", e);
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                // not retried: a registry that starts but never gets ready will not do better on another port
                throw new AssertionError("the model registry was not ready on port " + port + " within " + READY_WITHIN
                        + "; end of " + LOG.toAbsolutePath() + ":\n" + logTail());
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IllegalStateException("interrupted while waiting for the model registry", e);
            }
        }
    }

    private static synchronized void stopProcess() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    static String logTail() {
        try (Stream<String> lines = Files.lines(LOG, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
