package dev.sculptor.training;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.ListTrainingRunsRequest;
import dev.sculptor.api.v1.TrainingRequested;
import dev.sculptor.platform.store.CheckpointStore;
import dev.sculptor.testing.EmbeddedPostgresDb;
import dev.sculptor.testing.EmbeddedS3;
import dev.sculptor.testing.PostgresResource;
import dev.sculptor.testing.S3Resource;
import dev.sculptor.training.grpc.Mapper;
import dev.sculptor.training.kubernetes.JobTemplate;
import dev.sculptor.training.kubernetes.PodRun;
import dev.sculptor.training.service.Plans;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image's run-pod mode as a Kubernetes Job starts it: the whole application started with
 * {@code sculptor.training.pod.run} and the rest of the environment the chart gives run pods (no Kafka worker, no
 * topic creation, {@code sculptor.health.kafka=false}), with Kafka unreachable. It must serve health without Kafka,
 * answer its gRPC API UNAVAILABLE, train its run and exit with the code the Job acts on.
 *
 * <p>A {@code @QuarkusMainTest}: the pod ends itself with {@code Quarkus.asyncExit(code)}, which in a
 * {@code @QuarkusTest} would stop the application under the test and hide the exit code; here each launch is a whole
 * start-to-exit run of the application's main, whose exit code the launcher returns. A launch blocks until the app
 * exits, so it runs on its own thread while the test looks at the live pod. Per-launch settings (the run, the pod's
 * name, the HTTP port) are system properties, which the launch's configuration reads when it starts.
 */
@QuarkusMainTest
@TestProfile(RunPodMainTest.RunPod.class)
@WithTestResource(S3Resource.class)
@WithTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "training"))
class RunPodMainTest {
    static final Duration WAIT = Duration.ofSeconds(120);
    static final String DATABASE = "training";

    /** What the chart's job template sets on run pods (helm/sculptor/templates/_helpers.tpl), and a Kafka nobody answers. */
    public static final class RunPod implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:1",
                    "sculptor.training.worker.enabled", "false",
                    "sculptor.topics.create", "false",
                    "sculptor.health.kafka", "false");
        }
    }

    final HttpClient http = HttpClient.newHttpClient();
    final ExecutorService pods = Executors.newSingleThreadExecutor(r -> new Thread(r, "run-pod-launch"));
    final List<String> setProperties = new ArrayList<>();
    int port;

    @BeforeAll
    static void schema() {
        // the pod migrates at start too; the test needs the tables first, to record the run the service would have
        Flyway.configure().dataSource(PostgresResource.jdbcUrl(DATABASE), EmbeddedPostgresDb.USER, PostgresResource.password(DATABASE))
                .locations("classpath:db/platform", "classpath:db/migration").load().migrate();
    }

    @AfterEach
    void cleanUp() {
        pods.shutdownNow();
        setProperties.forEach(System::clearProperty);
    }

    static Connection db() throws SQLException {
        return DriverManager.getConnection(PostgresResource.jdbcUrl(DATABASE), EmbeddedPostgresDb.USER, PostgresResource.password(DATABASE));
    }

    static int update(String sql, Object... args) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** The run's state, owner, attempts, current epoch and last error. */
    static Map<String, Object> row(String run) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("SELECT state, owner, attempts, current_epoch, last_error "
                + "FROM training_runs WHERE id = ?")) {
            ps.setString(1, run);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), run);
                return Map.of("state", rs.getString(1), "owner", String.valueOf(rs.getString(2)), "attempts", rs.getInt(3),
                        "epoch", rs.getInt(4), "lastError", rs.getString(5));
            }
        }
    }

    /** The event types the run put in the outbox, in order. */
    static List<String> outbox(String run) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("SELECT type FROM outbox WHERE subject = ? ORDER BY seq")) {
            ps.setString(1, "trainingRuns/" + run);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /**
     * A run as the training service recorded it, held by one of its replicas whose lease is live: the pod waits for
     * that lease, which keeps the pod up and its run unstarted for as long as the test looks at it ({@link #release}).
     */
    static void recordHeld(String run, int epochs, long seed) throws SQLException {
        TrainingRequested req = Fixtures.fromArch(run, epochs, seed).build();
        assertEquals(1, update("INSERT INTO training_runs (id, request, retrain_mode, state, epochs) VALUES (?, ?, ?, 'QUEUED', ?)", run,
                req.toByteArray(), Mapper.modeName(req.getRetrainMode()), Plans.epochs(req)));
        assertEquals(1, update("UPDATE training_runs SET state = 'RUNNING', owner = 'sculptor-training-5c8d7-q2w3e', attempts = 1, "
                + "heartbeat_time = now(), start_time = now() WHERE id = ?", run));
    }

    /** The holding replica's lease runs out: the waiting pod claims the run at its next look. */
    static void release(String run) throws SQLException {
        assertEquals(1, update("UPDATE training_runs SET heartbeat_time = now() - interval '1 day' WHERE id = ?", run));
    }

    void property(String name, String value) {
        System.setProperty(name, value);
        setProperties.add(name);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the app as the run's Job starts its pod {@code pod}; the future is its exit. */
    Future<LaunchResult> startPod(QuarkusMainLauncher launcher, String run, String pod) throws IOException {
        port = freePort();
        property("sculptor.training.pod.run", run); // SCULPTOR_TRAINING_POD_RUN, set by the launcher on the Job
        property("sculptor.training.replica-id", pod); // in a cluster: HOSTNAME, the pod's name
        property("quarkus.http.test-port", String.valueOf(port));
        return pods.submit(() -> launcher.launch());
    }

    record Health(int code, Map<String, String> checks) {}

    Health health(String which) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/" + which))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonObject body = Json.createReader(new StringReader(r.body())).readObject();
        return new Health(r.statusCode(), body.getJsonArray("checks").stream().map(JsonValue::asJsonObject)
                .collect(Collectors.toMap(c -> c.getString("name"), c -> c.getString("status"))));
    }

    /** Ready: the pod's HTTP server is up while its run waits, and readiness passes with Kafka unreachable. */
    Health awaitReady(Future<LaunchResult> pod) {
        return await("the run pod ready").atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> {
                    assertFalse(pod.isDone(), "the pod exited before it was ready");
                    return health("ready");
                }, h -> h.code() == 200);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aRunPodServesHealthWithoutKafkaRefusesTheApiTrainsItsRunAndExitsZero(QuarkusMainLauncher launcher) throws Exception {
        String run = unique("podmain");
        String pod = JobTemplate.podPrefix(run) + "m41n0";
        recordHeld(run, 2, 31);
        Future<LaunchResult> exit = startPod(launcher, run, pod);

        Health ready = awaitReady(exit);
        assertNull(ready.checks().get("kafka"), "no Kafka check with sculptor.health.kafka=false: " + ready);
        assertEquals("UP", ready.checks().get("object-store"), ready.toString());
        assertEquals("UP", ready.checks().get("kafka-topics"), "creates no topics: " + ready);
        assertEquals("UP", ready.checks().get("training-worker"), "no worker: " + ready);
        assertEquals(200, health("live").code());

        try (TrainClient client = new TrainClient(port)) {
            StatusRuntimeException get = assertThrows(StatusRuntimeException.class, () -> client.blocking("read-token")
                    .getTrainingRun(GetTrainingRunRequest.newBuilder().setName("trainingRuns/" + run).build()));
            assertEquals(Status.Code.UNAVAILABLE, get.getStatus().getCode(), get.toString());
            assertTrue(get.getStatus().getDescription().contains("sculptor.training.pod.run"), get.getStatus().getDescription());
            StatusRuntimeException list = assertThrows(StatusRuntimeException.class, () -> client.blocking("read-token")
                    .listTrainingRuns(ListTrainingRunsRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, list.getStatus().getCode(), list.toString());
        }
        assertEquals("RUNNING", row(run).get("state"));
        assertEquals("sculptor-training-5c8d7-q2w3e", row(run).get("owner"), "the pod waits for the live lease");

        release(run);
        LaunchResult result = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(PodRun.ENDED, result.exitCode(), result.getErrorOutput());
        Map<String, Object> done = row(run);
        assertEquals("SUCCEEDED", done.get("state"));
        assertEquals(2, done.get("attempts"), "claimed by the pod once the holder's lease ran out");
        assertEquals(2, done.get("epoch"));
        CheckpointStore store = new CheckpointStore(S3Resource.endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY,
                S3Resource.DEFAULT_BUCKET);
        assertTrue(store.list("runs/" + run + "/checkpoints/epoch-2").contains("optimizer.bin"));
        assertTrue(store.list("runs/" + run + "/checkpoints/final").contains("manifest.json"));
        // its events are in the outbox, which the training service publishes (the pod had no Kafka to send them to)
        assertEquals(List.of("sculptor.v1.TrainingProgress", "sculptor.v1.TrainingProgress", "sculptor.v1.TrainingCompleted"),
                outbox(run));
    }

    @Test
    void aRunPodThatFindsTheStoreDownExitsOneForTheJobToRetry(QuarkusMainLauncher launcher) throws Exception {
        String run = unique("podretry");
        String pod = JobTemplate.podPrefix(run) + "r3try";
        recordHeld(run, 1, 32);
        Future<LaunchResult> exit = startPod(launcher, run, pod);
        awaitReady(exit);

        LaunchResult result;
        S3Resource.stopServer();
        try {
            release(run);
            result = exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            S3Resource.restartServer();
        }
        assertEquals(PodRun.RETRY, result.exitCode(), "the store was down: the Job makes a new pod");
        Map<String, Object> left = row(run);
        assertEquals("RUNNING", left.get("state"), "not ended: the next pod resumes it");
        assertEquals(pod, left.get("owner"));
        assertFalse(((String) left.get("lastError")).isEmpty(), "the reason is kept");
    }
}
