package dev.sculptor.e2e;

import java.util.Arrays;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole platform as a person uses it, through the packaged {@code ./sculptor} script, every step a separate
 * process: {@code up} on free ports with a fresh {@code SCULPTOR_HOME}, {@code engine train}, {@code models create},
 * {@code upload}, {@code alias}, {@code download} (byte-identical to what was uploaded), {@code lineage},
 * {@code get --json}, then {@code down}. {@code down} runs whatever happens, and anything still carrying this test's
 * state directory on its command line is killed afterwards, so no process outlives the test.
 *
 * <p>Runs under {@code mvn verify} after every module is packaged (this module is the reactor's last). The
 * processes get {@code SCULPTOR_SKIP_BUILD=1} so that the script never starts a nested Maven build; the test checks
 * that none happened.
 */
class StackEndToEndIT {
    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private static final List<String> OUTPUTS = List.of("engine/target/sculptor-engine.jar",
            "deploy/local/target/sculptor-local-stack.jar", "services/model-registry/target/quarkus-app/quarkus-run.jar",
            "services/scoring/target/quarkus-app/quarkus-run.jar", "services/pruning/target/quarkus-app/quarkus-run.jar",
            "services/training/target/quarkus-app/quarkus-run.jar", "services/evaluation/target/quarkus-app/quarkus-run.jar",
            "cli/target/sculptor-cli.jar");

    @TempDir
    Path tmp;

    private Path repo;
    private Path home;
    private Path state;
    private Path logs;
    private final StringBuilder transcript = new StringBuilder();
    private final List<ProcessHandle> started = new ArrayList<>();
    private int step;
    /** {@code SCULPTOR_TOKEN} for the next command, when a test step acts as one role ({@link #sculptorAs}). */
    private String token;

    record Run(String command, int rc, String out, String err) {}

    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void upTrainUploadAliasDownloadLineageDown() throws Exception {
        assumeTrue(Files.isRegularFile(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed in " + FASHION_MNIST + " (apt-get install dataset-fashion-mnist)");
        repo = Path.of(System.getProperty("sculptor.repo", "..")).toRealPath();
        for (String o : OUTPUTS) {
            if (!Files.isRegularFile(repo.resolve(o))) {
                fail(repo.resolve(o) + " is missing: this test runs the packaged ./sculptor (run it with mvn verify from the"
                        + " repository root, after every module is packaged)");
            }
        }
        home = Files.createDirectories(tmp.resolve("home")).toRealPath();
        state = home.resolve("local");
        logs = Files.createDirectories(tmp.resolve("process-output"));
        int[] p = freePorts(4);
        int kafka = p[0];
        int controller = p[1];
        int s3 = p[2];
        int postgres = p[3];
        int base = freeRange(5, Set.of(kafka, controller, s3, postgres));

        Thread safety = new Thread(this::killLeftovers, "e2e-leftover-killer");
        Runtime.getRuntime().addShutdownHook(safety);
        Throwable failure = null;
        try {
            Run up = sculptor(Duration.ofSeconds(240), "up", "--kafka-port", "" + kafka, "--kafka-controller-port", "" + controller,
                    "--s3-port", "" + s3, "--postgres-port", "" + postgres, "--port-base", "" + base, "--timeout", "180");
            expect(up.rc() == 0, "up failed");
            JsonObject endpoints = JsonParser.parseString(Files.readString(state.resolve("endpoints.json"))).getAsJsonObject();
            expect(("127.0.0.1:" + base).equals(endpoints.getAsJsonObject("services").getAsJsonObject("model-registry")
                    .get("grpc").getAsString()), "endpoints.json does not name the registry on port " + base + ": " + endpoints);

            Path ck = tmp.resolve("ck");
            Run train = sculptor(Duration.ofSeconds(240), "engine", "train", "--arch", "lenet", "--epochs", "1",
                    "--train-subset", "300", "--test-subset", "100", "--out", ck.toString());
            expect(train.rc() == 0 && Files.isRegularFile(ck.resolve("manifest.json")), "training failed");

            Run create = sculptor(Duration.ofSeconds(90), "models", "create", "demo");
            expect(create.rc() == 0 && create.out().strip().equals("created models/demo"), "models create failed");

            Run upload = sculptor(Duration.ofSeconds(120), "models", "upload", "demo", ck.toString());
            expect(upload.rc() == 0 && upload.out().strip().equals("models/demo/versions/1"),
                    "models upload did not print models/demo/versions/1");

            Run alias = sculptor(Duration.ofSeconds(90), "models", "alias", "demo", "production", "demo/1");
            expect(alias.rc() == 0 && alias.out().contains("models/demo/aliases/production -> models/demo/versions/1"),
                    "models alias failed");

            Path back = tmp.resolve("back");
            Run download = sculptor(Duration.ofSeconds(120), "models", "download", "demo/production", back.toString());
            expect(download.rc() == 0, "models download failed");
            assertSameFiles(ck, back);

            Run lineage = sculptor(Duration.ofSeconds(90), "models", "lineage", "demo/1");
            expect(lineage.rc() == 0 && lineage.out().lines().anyMatch(l -> l.startsWith("models/demo/versions/1 ")),
                    "models lineage does not show models/demo/versions/1");
            Run lineageJson = sculptor(Duration.ofSeconds(90), "models", "lineage", "demo/1", "--json");
            expect(lineageJson.rc() == 0, "models lineage --json failed");
            JsonArray chain = JsonParser.parseString(lineageJson.out()).getAsJsonObject().getAsJsonArray("versions");
            expect(chain.size() == 1 && chain.get(0).getAsJsonObject().get("name").getAsString().equals("models/demo/versions/1"),
                    "the lineage of an uploaded root version is that version alone");

            Run get = sculptor(Duration.ofSeconds(90), "models", "get", "demo", "--json");
            expect(get.rc() == 0, "models get --json failed");
            JsonObject model = JsonParser.parseString(get.out()).getAsJsonObject();
            expect(model.get("name").getAsString().equals("models/demo"), "models get names another model");
            expect(model.get("latestVersionNumber").getAsLong() == 1, "latest_version_number is not 1");
            expect(model.getAsJsonObject("aliases").get("production").getAsLong() == 1, "production does not point at 1");

            // a pruned child registered with its lineage, then listed and walked
            Path pruned = tmp.resolve("pruned");
            Run prune = sculptor(Duration.ofSeconds(240), "engine", "prune", "--in", ck.toString(), "--method", "l1",
                    "--ratio", "0.5", "--out", pruned.toString());
            expect(prune.rc() == 0, "engine prune failed");
            Run child = sculptor(Duration.ofSeconds(120), "models", "upload", "demo", pruned.toString(), "--parent",
                    "demo/production", "--tag", "pruned");
            expect(child.rc() == 0 && child.out().strip().equals("models/demo/versions/2"), "uploading the pruned child failed");
            Run walk = sculptor(Duration.ofSeconds(90), "models", "lineage", "demo/2", "--json");
            JsonArray walked = JsonParser.parseString(walk.out()).getAsJsonObject().getAsJsonArray("versions");
            expect(walk.rc() == 0 && walked.size() == 2
                    && walked.get(1).getAsJsonObject().get("name").getAsString().equals("models/demo/versions/1"),
                    "the pruned child's lineage does not lead back to version 1");
            Run versions = sculptor(Duration.ofSeconds(90), "models", "versions", "demo", "--tag", "pruned");
            expect(versions.rc() == 0 && versions.out().contains("models/demo/versions/2")
                    && !versions.out().contains("models/demo/versions/1 "), "models versions --tag pruned is wrong");
            Run list = sculptor(Duration.ofSeconds(90), "models", "list");
            expect(list.rc() == 0 && list.out().contains("models/demo"), "models list does not show models/demo");

            Run missing = sculptor(Duration.ofSeconds(90), "models", "get", "nope");
            expect(missing.rc() == 1 && missing.out().isEmpty()
                    && missing.err().equals("sculptor: NOT_FOUND: models/nope not found\n"),
                    "a missing model is not one NOT_FOUND line with exit code 1");

            roles(endpoints);

            pipeline(kafka, ck);
        } catch (Throwable t) {
            failure = t;
        } finally {
            Run down = null;
            try {
                down = sculptor(Duration.ofSeconds(150), "down", "--grace", "20");
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else {
                    failure.addSuppressed(t);
                }
            }
            List<String> leftovers = killLeftovers();
            try {
                Runtime.getRuntime().removeShutdownHook(safety);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            System.out.println(transcript);
            if (failure == null) {
                try {
                    expect(down != null && down.rc() == 0, "down failed");
                    expect(leftovers.isEmpty(), "processes were still running after down (killed now): " + leftovers);
                    expect(!Files.exists(state.resolve("endpoints.json")), "down left endpoints.json behind");
                    // No nested Maven build: the script would have logged it into SCULPTOR_HOME.
                    expect(!Files.exists(home.resolve("build.log")) && !Files.exists(home.resolve("build.stamp")),
                            "./sculptor started a Maven build from inside the test");
                    Run after = sculptor(Duration.ofSeconds(60), "models", "list");
                    expect(after.rc() == 1 && after.err().startsWith("sculptor: no local stack found (")
                            && after.err().contains("./sculptor up"), "after down, models list does not say to run ./sculptor up");
                } catch (Throwable t) {
                    failure = t;
                }
            }
        }
        if (failure instanceof AssertionError ae) {
            throw ae;
        }
        if (failure != null) {
            throw new AssertionError(failure + details(), failure);
        }
    }

    // ------------------------------------------------------------------------------------------------ the pipeline

    /**
     * The five services together: the newcomer's demo, a poison record dead-lettered while the pipeline goes on, a
     * re-prune trigger firing once on a new baseline version, and a training service killed (SIGKILL) mid-run whose
     * run resumes so that its job still succeeds.
     */
    private void pipeline(int kafka, Path ck) throws Exception {
        Run demo = sculptor(Duration.ofSeconds(900), "demo", "--quick");
        expect(demo.rc() == 0 && demo.out().contains("SUCCEEDED"), "./sculptor demo --quick did not end SUCCEEDED");
        JsonObject demoJob = newestJob("");
        expect(demoJob.get("state").getAsString().equals("SUCCEEDED"), "the demo's job is not SUCCEEDED: " + demoJob);
        JsonArray candidates = demoJob.getAsJsonArray("candidates");
        expect(candidates.size() == 3, "the demo's job does not have the three candidates: " + demoJob);
        for (var c : candidates) {
            JsonObject o = c.getAsJsonObject();
            expect(o.has("modelVersion") && o.has("metrics") && o.getAsJsonObject("metrics").has("accuracy"),
                    "a candidate of the demo has no version or no accuracy: " + o);
        }
        String pruned = demoJob.get("prunedVersion").getAsString();
        String candidate = candidates.get(2).getAsJsonObject().get("modelVersion").getAsString();
        Run lineage = sculptor(Duration.ofSeconds(90), "models", "lineage", candidate.replace("models/", "").replace("/versions/", "/"),
                "--json");
        JsonArray chain = JsonParser.parseString(lineage.out()).getAsJsonObject().getAsJsonArray("versions");
        expect(lineage.rc() == 0 && chain.size() == 3 && chain.get(1).getAsJsonObject().get("name").getAsString().equals(pruned)
                && chain.get(2).getAsJsonObject().get("name").getAsString().equals(demoJob.get("modelVersion").getAsString()),
                "the lineage of " + candidate + " is not candidate -> pruned -> baseline");
        JsonObject prunedLineage = chain.get(1).getAsJsonObject().getAsJsonObject("lineage");
        expect(prunedLineage.get("pruneJob").getAsString().equals(demoJob.get("name").getAsString())
                && prunedLineage.get("method").getAsString().equals("l1-norm"), "the pruned version's lineage lacks job or method");

        // a poison record: dead-lettered with its reason, and the services go on
        byte[] poison = ("not an event " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        Properties pp = new Properties();
        pp.put("bootstrap.servers", "127.0.0.1:" + kafka);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("sculptor.training.requests.v1", poison)).get(30, TimeUnit.SECONDS);
        }
        String reason = deadLetterReason(kafka, "sculptor.training.requests.v1.dlq", poison, Duration.ofSeconds(90));
        transcript.append("poison record dead-lettered: ").append(reason).append("\n\n");

        // a re-prune trigger fires once on a new baseline version (not on the versions its own job registers)
        Run trigger = sculptor(Duration.ofSeconds(90), "triggers", "create", "--model", "demo", "--id", "on-demo", "--method", "l1",
                "--ratio", "0.5", "--retrain", "fine-tune", "--dataset", "fashion-mnist", "--train-subset", "500", "--test-subset",
                "200", "--epochs", "1", "--finetune-epochs", "1", "--enabled");
        expect(trigger.rc() == 0, "triggers create failed");
        Run v3 = sculptor(Duration.ofSeconds(120), "models", "upload", "demo", ck.toString());
        expect(v3.rc() == 0 && v3.out().strip().equals("models/demo/versions/3"), "uploading a new baseline failed");
        String filter = "reprune_trigger = \"repruneTriggers/on-demo\"";
        JsonArray fired = waitForJobs(filter, 1, Duration.ofSeconds(90));
        String firedJob = fired.get(0).getAsJsonObject().get("name").getAsString();
        expect(fired.get(0).getAsJsonObject().get("modelVersion").getAsString().equals("models/demo/versions/3")
                && !fired.get(0).getAsJsonObject().get("triggerEventId").getAsString().isEmpty(),
                "the triggered job does not name version 3 and its event: " + fired);
        Run watched = sculptor(Duration.ofSeconds(600), "jobs", "watch", firedJob);
        expect(watched.rc() == 0, "the triggered job did not succeed");
        // Registry events of one model share a partition and the pruning service handles them in order: once the
        // trigger has fired on a version registered after the job's own versions, any (wrong) firing on those is in.
        Run v6 = sculptor(Duration.ofSeconds(120), "models", "upload", "demo", ck.toString());
        expect(v6.rc() == 0, "uploading another baseline failed");
        String next = v6.out().strip();
        JsonArray after = waitForJobs(filter, 2, Duration.ofSeconds(90));
        expect(after.size() == 2 && after.get(0).getAsJsonObject().get("modelVersion").getAsString().equals(next),
                "the trigger did not fire exactly once per new baseline (" + next + ", models/demo/versions/3): " + after);

        // the training service killed mid-run: the run resumes from its last epoch checkpoint and the job succeeds
        Run job = sculptor(Duration.ofSeconds(90), "jobs", "create", "--model-version", "models/demo/versions/1", "--id", "killed",
                "--method", "l1", "--ratio", "0.5", "--retrain", "scratch-e", "--dataset", "fashion-mnist", "--train-subset", "6000",
                "--test-subset", "200", "--epochs", "10");
        expect(job.rc() == 0, "jobs create failed");
        String run = "trainingRuns/killed-scratch-e";
        JsonObject r = waitForRun(run, o -> o.has("currentEpoch") && o.get("currentEpoch").getAsInt() >= 2
                && "RUNNING".equals(o.get("state").getAsString()), Duration.ofSeconds(300));
        Map<Long, String> training = processesNaming("-Dsculptor.local.component=training");
        training.keySet().removeIf(pid -> !training.get(pid).contains(home.toString()));
        expect(training.size() == 1, "expected one training service process of this stack, found " + training);
        long pid = training.keySet().iterator().next();
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        transcript.append("SIGKILL training service ").append(pid).append(" at ").append(r).append("\n\n");
        Run restart = sculptor(Duration.ofSeconds(240), "up", "--timeout", "180");
        expect(restart.rc() == 0, "up after the kill failed");
        Run done = sculptor(Duration.ofSeconds(600), "jobs", "watch", "pruneJobs/killed");
        expect(done.rc() == 0, "the job whose training was killed did not succeed");
        JsonObject resumed = runJson(run);
        expect("SUCCEEDED".equals(resumed.get("state").getAsString()) && resumed.get("attempts").getAsInt() >= 2
                && resumed.get("epochs").getAsInt() == 10, "the killed run did not resume and finish: " + resumed);
        expectNoDuplicates("killed", 1);

        serviceKills();
    }

    // ------------------------------------------------------------------------------------------------ roles

    /**
     * The stack's three tokens, read from the files endpoints.json names and passed as {@code SCULPTOR_TOKEN}: read
     * reads but cannot create, write creates but cannot delete (Delete is admin's).
     */
    private void roles(JsonObject endpoints) throws IOException, InterruptedException {
        JsonObject files = endpoints.getAsJsonObject("tokenFiles");
        String read = Files.readString(Path.of(files.get("read").getAsString())).strip();
        String write = Files.readString(Path.of(files.get("write").getAsString())).strip();
        expect(sculptorAs(read, "models", "get", "demo").rc() == 0, "the read token cannot read");
        Run readCreates = sculptorAs(read, "models", "create", "roles");
        expect(readCreates.rc() == 1 && readCreates.err().startsWith("sculptor: PERMISSION_DENIED"),
                "the read token was not refused a create with PERMISSION_DENIED");
        Run writeCreates = sculptorAs(write, "models", "create", "roles");
        expect(writeCreates.rc() == 0 && writeCreates.out().strip().equals("created models/roles"), "the write token cannot create");
        Run writeDeletes = sculptorAs(write, "models", "alias", "demo", "production", "--delete");
        expect(writeDeletes.rc() == 1 && writeDeletes.err().startsWith("sculptor: PERMISSION_DENIED"),
                "the write token was not refused a delete with PERMISSION_DENIED");
        Run still = sculptor(Duration.ofSeconds(90), "models", "get", "demo", "--json");
        expect(still.rc() == 0 && JsonParser.parseString(still.out()).getAsJsonObject().getAsJsonObject("aliases").has("production"),
                "the refused delete removed the alias");
    }

    private Run sculptorAs(String token, String... args) throws IOException, InterruptedException {
        this.token = token;
        try {
            return sculptor(Duration.ofSeconds(90), args);
        } finally {
            this.token = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ service kills

    /** How soon after {@code up} a job must leave the step whose service was killed (a redelivered step waits 10 s). */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(60);

    /**
     * Each remaining service SIGKILLed while a job is in (or waiting on) the step it serves, then {@code up}: the job
     * leaves that step within {@link #RESUME_BOUND}, succeeds, and holds one pruned version, one candidate and one run
     * per retrain mode. Scoring is killed before its job starts (so the job sits in SCORING); pruning right after a
     * ThiNet job was created in PRUNING (mid-step); the registry and evaluation while a run trains, so the candidate's
     * registration and the evaluations wait for them. (Training: above.)
     */
    private void serviceKills() throws Exception {
        String[] common = {"--model-version", "models/demo/versions/1", "--retrain", "fine-tune", "--dataset", "fashion-mnist",
                "--test-subset", "200", "--epochs", "1"};

        // scoring
        kill("scoring");
        Run scoringJob = sculptor(Duration.ofSeconds(90), concat(new String[] {"jobs", "create", "--id", "kill-scoring",
                "--method", "l1", "--ratio", "0.5", "--train-subset", "3000", "--finetune-epochs", "4"}, common));
        expect(scoringJob.rc() == 0, "jobs create failed");
        expect("SCORING".equals(jobJson("kill-scoring").get("state").getAsString()), "the job is not waiting in SCORING");
        resumedAfterRestart("kill-scoring", "SCORING");

        // the registry and evaluation, while the job's run trains: its candidate and evaluations wait for them
        String run = "trainingRuns/kill-scoring-fine-tune";
        waitForRun(run, o -> o.has("currentEpoch") && o.get("currentEpoch").getAsInt() >= 1
                && "RUNNING".equals(o.get("state").getAsString()), Duration.ofSeconds(300));
        kill("model-registry");
        kill("evaluation");
        await(run + " done").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofSeconds(1)).pollInSameThread()
                .until(() -> runJson(run).get("state").getAsString(), "SUCCEEDED"::equals);
        expect("TRAINING".equals(jobJson("kill-scoring").get("state").getAsString()),
                "the job left TRAINING while the registry was down");
        resumedAfterRestart("kill-scoring", "TRAINING");
        expect(sculptor(Duration.ofSeconds(600), "jobs", "watch", "pruneJobs/kill-scoring").rc() == 0,
                "the job whose scoring, registry and evaluation were killed did not succeed");
        expectNoDuplicates("kill-scoring", 1);

        // pruning, mid-step: ThiNet jobs start in PRUNING and sample training data while they prune
        Run pruningJob = sculptor(Duration.ofSeconds(90), concat(new String[] {"jobs", "create", "--id", "kill-pruning",
                "--method", "thinet", "--ratio", "0.5", "--train-subset", "500", "--finetune-epochs", "1"}, common));
        expect(pruningJob.rc() == 0, "jobs create failed");
        kill("pruning");
        resumedAfterRestart("kill-pruning", "PRUNING");
        expect(sculptor(Duration.ofSeconds(600), "jobs", "watch", "pruneJobs/kill-pruning").rc() == 0,
                "the job whose pruning service was killed did not succeed");
        expectNoDuplicates("kill-pruning", 1);
    }

    /** SIGKILL of this stack's process of a component, as a crash would; waits until it is gone. */
    private void kill(String component) throws IOException, InterruptedException {
        Map<Long, String> found = processesNaming("-Dsculptor.local.component=" + component);
        found.keySet().removeIf(pid -> !found.get(pid).contains(home.toString()));
        expect(found.size() == 1, "expected one " + component + " process of this stack, found " + found);
        long pid = found.keySet().iterator().next();
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        awaitGone(Set.of(pid), Duration.ofSeconds(10));
        expect(!alive(pid), component + " (" + pid + ") survived SIGKILL");
        transcript.append("SIGKILL ").append(component).append(' ').append(pid).append("\n\n");
    }

    /** {@code up}, then the job must leave {@code step} within {@link #RESUME_BOUND}; the time it took goes to the transcript. */
    private void resumedAfterRestart(String job, String step) throws IOException, InterruptedException {
        Run up = sculptor(Duration.ofSeconds(240), "up", "--timeout", "180");
        expect(up.rc() == 0, "up after the kill failed");
        long t0 = System.nanoTime();
        try {
            await(job + " out of " + step).atMost(RESUME_BOUND).pollInterval(Duration.ofSeconds(1)).pollInSameThread()
                    .until(() -> jobJson(job).get("state").getAsString(), s -> !step.equals(s));
        } catch (ConditionTimeoutException e) {
            fail(job + " still in " + step + " " + RESUME_BOUND.toSeconds() + " s after the restart" + details());
        }
        transcript.append(String.format("%s left %s %.1f s after up%n%n", job, step, (System.nanoTime() - t0) / 1e9));
    }

    /** One pruned version and one candidate per retrain mode, one run per mode: nothing registered or trained twice. */
    private void expectNoDuplicates(String job, int modes) throws IOException, InterruptedException {
        Run versions = sculptor(Duration.ofSeconds(90), "models", "versions", "demo", "--json");
        expect(versions.rc() == 0, "models versions failed");
        int registered = 0;
        for (var v : list(versions.out(), "versions")) {
            JsonObject lineage = v.getAsJsonObject().getAsJsonObject("lineage");
            if (lineage != null && lineage.has("pruneJob") && lineage.get("pruneJob").getAsString().equals("pruneJobs/" + job)) {
                registered++;
            }
        }
        expect(registered == 1 + modes, "pruneJobs/" + job + " registered " + registered + " versions, expected " + (1 + modes));
        Run runs = sculptor(Duration.ofSeconds(90), "runs", "list", "--json");
        expect(runs.rc() == 0, "runs list failed");
        long trained = 0;
        for (var r : list(runs.out(), "trainingRuns")) {
            if (r.getAsJsonObject().get("name").getAsString().startsWith("trainingRuns/" + job + "-")) {
                trained++;
            }
        }
        expect(trained == modes, "pruneJobs/" + job + " has " + trained + " training runs, expected " + modes);
    }

    private static JsonArray list(String json, String field) {
        var el = JsonParser.parseString(json.isBlank() ? "[]" : json);
        if (el.isJsonArray()) {
            return el.getAsJsonArray();
        }
        JsonArray a = el.getAsJsonObject().getAsJsonArray(field);
        return a == null ? new JsonArray() : a;
    }

    private JsonObject jobJson(String job) throws IOException, InterruptedException {
        Run get = sculptor(Duration.ofSeconds(90), "jobs", "get", "pruneJobs/" + job, "--json");
        expect(get.rc() == 0, "jobs get " + job + " failed");
        return JsonParser.parseString(get.out()).getAsJsonObject();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private JsonArray jobs(String filter) throws IOException, InterruptedException {
        Run list = filter.isEmpty() ? sculptor(Duration.ofSeconds(90), "jobs", "list", "--json")
                : sculptor(Duration.ofSeconds(90), "jobs", "list", "--filter", filter, "--json");
        expect(list.rc() == 0, "jobs list failed");
        var el = JsonParser.parseString(list.out().isBlank() ? "[]" : list.out());
        if (el.isJsonArray()) {
            return el.getAsJsonArray();
        }
        JsonArray a = el.getAsJsonObject().getAsJsonArray("pruneJobs");
        return a == null ? new JsonArray() : a;
    }

    private JsonObject newestJob(String filter) throws IOException, InterruptedException {
        JsonArray a = jobs(filter);
        expect(a.size() > 0, "no prune job listed");
        return a.get(0).getAsJsonObject();
    }

    // The waits below poll in the test's own thread: each poll runs ./sculptor, which appends to the transcript.
    private JsonArray waitForJobs(String filter, int n, Duration timeout) {
        return await(n + " jobs matching " + filter).atMost(timeout).pollInterval(Duration.ofSeconds(2)).pollInSameThread()
                .until(() -> jobs(filter), a -> a.size() >= n);
    }

    private JsonObject runJson(String run) throws IOException, InterruptedException {
        Run get = sculptor(Duration.ofSeconds(90), "runs", "get", run, "--json");
        expect(get.rc() == 0, "runs get " + run + " failed");
        return JsonParser.parseString(get.out()).getAsJsonObject();
    }

    private JsonObject waitForRun(String run, java.util.function.Predicate<JsonObject> ready, Duration timeout) {
        return await(run + " in the state to kill it in").atMost(timeout).pollInterval(Duration.ofMillis(500)).pollInSameThread()
                .until(() -> {
                    Run get = sculptor(Duration.ofSeconds(90), "runs", "get", run, "--json");
                    if (get.rc() != 0) {
                        return null;
                    }
                    JsonObject o = JsonParser.parseString(get.out()).getAsJsonObject();
                    expect(ready.test(o) || !Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(o.get("state").getAsString()),
                            run + " ended before it could be killed: " + o);
                    return o;
                }, o -> o != null && ready.test(o));
    }

    /** The {@code dlq-reason} of the record with this value on a dead-letter topic, waiting for it to arrive. */
    private static String deadLetterReason(int kafka, String topic, byte[] value, Duration timeout) {
        Properties cp = new Properties();
        cp.put("bootstrap.servers", "127.0.0.1:" + kafka);
        cp.put("group.id", "e2e-dlq-" + System.nanoTime());
        cp.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            // the consumer keeps its position between polls, so each poll reads only what is new
            return await("the record on " + topic).atMost(timeout).pollInterval(Duration.ofMillis(100)).pollInSameThread()
                    .until(() -> {
                        for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(500))) {
                            if (Arrays.equals(rec.value(), value)) {
                                var h = rec.headers().lastHeader("dlq-reason");
                                return h == null ? "(no dlq-reason header)" : new String(h.value(), StandardCharsets.UTF_8);
                            }
                        }
                        return null;
                    }, java.util.Objects::nonNull);
        }
    }

    // ------------------------------------------------------------------------------------------------ processes

    /** Runs {@code <repo>/sculptor args...} in the repository, output to files; returns when it exits. */
    private Run sculptor(Duration timeout, String... args) throws IOException, InterruptedException {
        int n = ++step;
        List<String> cmd = new ArrayList<>();
        cmd.add(repo.resolve("sculptor").toString());
        cmd.addAll(List.of(args));
        String shown = "./sculptor " + String.join(" ", args);
        Path out = logs.resolve(n + "-" + args[0] + ".out");
        Path err = logs.resolve(n + "-" + args[0] + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SCULPTOR_"));
        env.put("SCULPTOR_HOME", home.toString());
        env.put("SCULPTOR_SKIP_BUILD", "1");
        env.put("SCULPTOR_THREADS", "2");
        if (token != null) {
            env.put("SCULPTOR_TOKEN", token);
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        started.add(p.toHandle());
        boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            killTree(p.toHandle());
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Run r = new Run(shown, exited ? p.exitValue() : -1, read(out), read(err));
        transcript.append(String.format("$ SCULPTOR_HOME=%s %s%n-> exit %s after %.1f s%n", home, shown,
                exited ? Integer.toString(r.rc()) : "TIMEOUT (killed)", (System.nanoTime() - t0) / 1e9));
        if (!r.out().isEmpty()) {
            transcript.append("--- stdout\n").append(tail(r.out(), 80));
        }
        if (!r.err().isEmpty()) {
            transcript.append("--- stderr\n").append(tail(r.err(), 80));
        }
        transcript.append('\n');
        if (!exited) {
            fail(shown + " did not finish in " + timeout.toSeconds() + " s" + details());
        }
        return r;
    }

    private void expect(boolean condition, String what) {
        if (!condition) {
            fail(what + details());
        }
    }

    /** The transcript of every process so far, and the tail of each component's log. */
    private String details() {
        StringBuilder sb = new StringBuilder("\n\n===== transcript =====\n").append(transcript);
        Path componentLogs = state == null ? null : state.resolve("logs");
        if (componentLogs != null && Files.isDirectory(componentLogs)) {
            try (Stream<Path> s = Files.list(componentLogs)) {
                for (Path log : s.sorted().toList()) {
                    sb.append("===== ").append(log).append(" (tail) =====\n").append(tail(read(log), 40)).append('\n');
                }
            } catch (IOException e) {
                sb.append("(cannot list ").append(componentLogs).append(": ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /**
     * Kills what is left: the processes this test started (and their children), then anything whose command line
     * names this test's SCULPTOR_HOME (the stack's JVMs carry {@code -Dsculptor.local.state=<home>/local}; PostgreSQL
     * runs with {@code -D <home>/local/postgres/data}). Returns what it found still running.
     */
    private synchronized List<String> killLeftovers() {
        Set<String> found = new LinkedHashSet<>();
        for (ProcessHandle h : started) {
            if (h.isAlive()) {
                found.add(h.pid() + " " + h.info().commandLine().orElse("?"));
                killTree(h);
            }
        }
        if (home == null) {
            return new ArrayList<>(found);
        }
        for (int round = 0; round < 2; round++) {
            Map<Long, String> marked = processesNaming(home.toString());
            if (marked.isEmpty()) {
                break;
            }
            marked.forEach((pid, cmd) -> found.add(pid + " " + cmd));
            // SIGTERM first (PostgreSQL shuts down cleanly on it), then SIGKILL whatever is still there.
            marked.keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
            awaitGone(marked.keySet(), Duration.ofSeconds(10));
            marked.keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            }));
            awaitGone(marked.keySet(), Duration.ofSeconds(10));
        }
        return new ArrayList<>(found);
    }

    private static void killTree(ProcessHandle h) {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
    }

    /**
     * Waits up to {@code timeout} for the processes to exit; what is still running then is left to the caller (killed
     * forcibly, or found again and reported). Polls in this thread: it also runs in a shutdown hook.
     */
    private static void awaitGone(Set<Long> pids, Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(200)).pollInSameThread()
                    .until(() -> pids.stream().noneMatch(StackEndToEndIT::alive));
        } catch (ConditionTimeoutException e) {
            // still running: see above
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** pid to command line of every process (not this one) whose command line contains {@code text}. */
    static Map<Long, String> processesNaming(String text) {
        Map<Long, String> m = new HashMap<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path d : s.filter(x -> x.getFileName().toString().matches("[0-9]+")).toList()) {
                long pid = Long.parseLong(d.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
                    if (cmd.contains(text)) {
                        m.put(pid, cmd.length() > 300 ? cmd.substring(0, 300) + "..." : cmd);
                    }
                } catch (IOException | SecurityException e) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to find
        }
        return m;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void assertSameFiles(Path expected, Path actual) throws IOException {
        List<String> a;
        List<String> b;
        try (Stream<Path> s = Files.list(expected); Stream<Path> t = Files.list(actual)) {
            a = s.map(x -> x.getFileName().toString()).sorted().toList();
            b = t.map(x -> x.getFileName().toString()).sorted().toList();
        }
        expect(a.contains("manifest.json") && a.contains("params.bin"), "the trained checkpoint lacks its files: " + a);
        assertEquals(a, b, "the downloaded checkpoint has other files than the uploaded one" + details());
        for (String f : a) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)),
                    f + " differs after the round trip" + details());
        }
    }

    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    /** The first of {@code n} consecutive free ports (the services listen on the port base plus their offset). */
    static int freeRange(int n, Set<Integer> avoid) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20000, 30000);
            boolean ok = true;
            for (int port = base; port < base + n && ok; port++) {
                ok = !avoid.contains(port) && isFree(port);
            }
            if (ok) {
                return base;
            }
        }
        throw new IOException("no " + n + " consecutive free ports found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e + ")";
        }
    }

    private static String tail(String s, int lines) {
        List<String> l = s.lines().toList();
        String t = String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
        return (l.size() > lines ? "... (" + (l.size() - lines) + " lines before)\n" : "") + t + "\n";
    }
}
