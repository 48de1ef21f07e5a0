package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.CheckpointRef;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.EpochProgress;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListPruneJobsResponse;
import dev.sculptor.api.v1.ModelMetrics;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingRun;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's client side against fakes served in this JVM ({@link FakeServer}): the requests it sends, the token it
 * attaches, how it follows watch streams, what it prints and how it exits.
 */
class ClientTest {
    static final String TOKEN = "admintok";

    @TempDir
    Path tmp;

    final Fakes.Pruning pruning = new Fakes.Pruning();
    final Fakes.Training training = new Fakes.Training();
    final Fakes.Registry registry = new Fakes.Registry();
    final List<FakeServer> servers = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (FakeServer s : servers) {
            s.close();
        }
    }

    private FakeServer serve(io.grpc.BindableService s) throws IOException {
        FakeServer f = new FakeServer(s);
        servers.add(f);
        return f;
    }

    /** A local stack whose endpoints.json names the given services (name, endpoint pairs). */
    private CliRunner stack(String... nameEndpoint) throws IOException {
        StringBuilder services = new StringBuilder();
        for (int i = 0; i < nameEndpoint.length; i += 2) {
            services.append(i == 0 ? "" : ", ").append("\"").append(nameEndpoint[i]).append("\": {\"grpc\": \"")
                    .append(nameEndpoint[i + 1]).append("\"}");
        }
        Path state = tmp.resolve("home/local");
        Files.createDirectories(state);
        Files.writeString(state.resolve("endpoints.json"), "{\"adminToken\": \"" + TOKEN + "\", \"services\": {" + services + "}}");
        return CliRunner.home(tmp);
    }

    static PruneJobEvent job(PruneJob j) {
        return PruneJobEvent.newBuilder().setPruneJob(j.getName()).setJob(j).build();
    }

    static PruneJobEvent progress(RetrainMode mode, int epoch, int step) {
        return PruneJobEvent.newBuilder().setPruneJob("pruneJobs/j1").setTrainingProgress(PruneJobEvent.TrainingUpdate.newBuilder()
                .setTrainingRun("trainingRuns/j1-ft").setRetrainMode(mode).setProgress(EpochProgress.newBuilder().setEpoch(epoch)
                        .setEpochs(1).setStep(step).setSteps(32).setLoss(0.5).setAccuracy(0.8).setImagesPerSecond(1234))).build();
    }

    static PruneJob state(PruneJob.State s, String message) {
        return PruneJob.newBuilder().setName("pruneJobs/j1").setModelVersion("models/fashion-lenet/versions/1").setState(s)
                .setStateMessage(message).build();
    }

    static PruneJob succeeded() {
        return state(PruneJob.State.SUCCEEDED, "").toBuilder().setPrunedVersion("models/fashion-lenet/versions/2")
                .setBaselineMetrics(ResultsTest.BASE).setPrunedMetrics(ResultsTest.PRUNED)
                .addCandidates(PruneJob.Candidate.newBuilder().setLabel("fine-tune").setRetrainMode(RetrainMode.FINE_TUNE)
                        .setModelVersion("models/fashion-lenet/versions/3").setEpochs(1)
                        .setMetrics(ModelMetrics.newBuilder().setAccuracy(0.905).setParams(107_770).setFlops(600_000)))
                .build();
    }

    // ------------------------------------------------------------------------------------------------ jobs

    @Test
    void jobsWatchPrintsEachChangeThenTheTable() throws IOException {
        FakeServer p = serve(pruning);
        pruning.watches.add(Fakes.Stream.of(List.of(job(state(PruneJob.State.PENDING, "")),
                job(state(PruneJob.State.SCORING, "computing L1 norms")),
                // The same state again (e.g. another field changed): not printed twice.
                job(state(PruneJob.State.SCORING, "computing L1 norms")),
                job(state(PruneJob.State.TRAINING, "retraining 1 candidate")),
                progress(RetrainMode.FINE_TUNE, 1, 16),
                job(succeeded()))));
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "watch", "j1");
        assertEquals(0, r.rc(), r.toString());
        List<String> lines = r.out().lines().map(l -> l.replaceFirst("^\\[\\d\\d:\\d\\d\\] ", "")).toList();
        assertEquals(List.of("pruneJobs/j1 PENDING", "pruneJobs/j1 SCORING: computing L1 norms",
                "pruneJobs/j1 TRAINING: retraining 1 candidate",
                "  fine-tune  epoch 1/1  step 16/32  loss 0.5000  acc 80.00%  1234 img/s",
                "pruneJobs/j1 SUCCEEDED", ""), lines.subList(0, 6));
        assertTrue(lines.get(6).startsWith("MODEL "), r.toString());
        assertTrue(lines.get(9).matches("fine-tune +models/fashion-lenet/versions/3 +1 +90\\.50% .*74\\.0% +75\\.0%"), lines.get(9));
        assertEquals(10, lines.size(), r.toString());
        // The watch named the job; the local stack's admin token went with it.
        assertEquals("pruneJobs/j1", pruning.requests(dev.sculptor.api.v1.WatchPruneJobRequest.class).get(0).getName());
        assertEquals("Bearer " + TOKEN, p.calls.get(0).authorization());
    }

    @Test
    void aFailedJobExitsOneWithItsMessage() throws IOException {
        FakeServer p = serve(pruning);
        pruning.watches.add(Fakes.Stream.of(List.of(job(state(PruneJob.State.PENDING, "")),
                job(state(PruneJob.State.FAILED, "scoring failed: no such version")))));
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "watch", "pruneJobs/j1");
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.out().contains("pruneJobs/j1 FAILED: scoring failed: no such version"), r.toString());
        assertTrue(r.out().contains("baseline "), "the table is printed anyway\n" + r);
        assertEquals("sculptor: pruneJobs/j1 ended FAILED: scoring failed: no such version\n", r.err());
    }

    @Test
    void aLostStreamIsWatchedAgain() throws IOException {
        FakeServer p = serve(pruning);
        pruning.watches.add(new Fakes.Stream<>(List.of(job(state(PruneJob.State.TRAINING, ""))),
                Status.UNAVAILABLE.withDescription("server restarting")));
        pruning.watches.add(Fakes.Stream.of(List.of(job(state(PruneJob.State.TRAINING, "")), job(succeeded()))));
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "watch", "j1");
        assertEquals(0, r.rc(), r.toString());
        assertEquals(1, r.out().lines().filter(l -> l.endsWith("pruneJobs/j1 TRAINING")).count(), r.toString());
        assertTrue(r.out().contains("lost the stream (UNAVAILABLE: server restarting); watching again"), r.toString());
        assertEquals(2, p.methods().stream().filter("WatchPruneJob"::equals).count());
    }

    @Test
    void jobsCreateSendsTheRequestAndPrintsTheName() throws IOException {
        FakeServer p = serve(pruning);
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "create", "--model-version", "m/3", "--method", "l1",
                "--ratio", "0.3", "--retrain", "fine-tune,scratch-b");
        assertEquals(0, r.rc(), r.toString());
        assertEquals("pruneJobs/j1\n", r.out());
        CreatePruneJobRequest sent = pruning.requests(CreatePruneJobRequest.class).get(0);
        assertEquals("models/m/versions/3", sent.getPruneJob().getModelVersion());
        assertEquals(0.3, sent.getPruneJob().getMethod().getRatio());
        assertEquals(List.of(RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_B), sent.getPruneJob().getRetrainModesList());

        r = stack("pruning", p.endpoint()).run("jobs", "create", "--model-version", "m/3", "--method", "l1", "--json");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("\"name\": \"pruneJobs/j1\""), r.out());
        assertTrue(r.out().contains("\"method\": \"L1_NORM\""), r.out());
    }

    @Test
    void jobsListFollowsPages() throws IOException {
        FakeServer p = serve(pruning);
        pruning.pages.put("", ListPruneJobsResponse.newBuilder().addPruneJobs(state(PruneJob.State.TRAINING, "").toBuilder()
                .setName("pruneJobs/b")).setNextPageToken("t2").build());
        pruning.pages.put("t2", ListPruneJobsResponse.newBuilder().addPruneJobs(state(PruneJob.State.SUCCEEDED, "").toBuilder()
                .setName("pruneJobs/a").setCreateTime(Timestamp.newBuilder().setSeconds(86_400))).build());
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "list", "--filter", "state = TRAINING", "--page-size", "1");
        assertEquals(0, r.rc(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.toString());
        assertTrue(lines.get(1).startsWith("pruneJobs/b  TRAINING "), r.toString());
        assertTrue(lines.get(2).startsWith("pruneJobs/a  SUCCEEDED") && lines.get(2).endsWith("1970-01-02 00:00:00Z"), r.toString());
        List<ListPruneJobsRequest> sent = pruning.requests(ListPruneJobsRequest.class);
        assertEquals(List.of("", "t2"), sent.stream().map(ListPruneJobsRequest::getPageToken).toList());
        assertTrue(sent.stream().allMatch(q -> q.getFilter().equals("state = TRAINING") && q.getPageSize() == 1));
    }

    @Test
    void serviceErrorsAreOneLine() throws IOException {
        FakeServer p = serve(pruning);
        CliRunner.Result r = stack("pruning", p.endpoint()).run("jobs", "get", "nope");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: NOT_FOUND: pruneJobs/nope not found\n", r.err());
        r = stack("pruning", p.endpoint()).run("jobs", "cancel", "j1");
        assertEquals("sculptor: FAILED_PRECONDITION: pruneJobs/j1 has ended (SUCCEEDED)\n", r.err());
        // The training service's port answers UNIMPLEMENTED for the Pruning API: the line says so.
        r = stack("pruning", p.endpoint()).run("runs", "get", "r1", "--endpoint", p.endpoint());
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.err().startsWith("sculptor: UNIMPLEMENTED: "), r.err());
        assertTrue(r.err().contains("the training service at " + p.endpoint() + " does not serve this call"), r.err());
    }

    @Test
    void anUnreachableServiceIsNamed() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRunner.Result r = stack("pruning", "127.0.0.1:" + port).run("jobs", "get", "j1");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: cannot reach the pruning service at 127.0.0.1:" + port + " — is the local stack up? (./sculptor up)\n",
                r.err());
    }

    @Test
    void theAdminTokenGoesOnlyToTheLocalStack() throws IOException {
        FakeServer p = serve(pruning);
        pruning.jobs.put("pruneJobs/j1", succeeded());
        // The endpoint given is the one endpoints.json names: the token goes.
        assertEquals(0, stack("pruning", p.endpoint()).run("jobs", "get", "j1", "--endpoint", "localhost:" + p.port()).rc());
        // Not a local-stack endpoint: no token.
        assertEquals(0, stack("pruning", "127.0.0.1:1").run("jobs", "get", "j1", "--endpoint", p.endpoint()).rc());
        assertEquals("Bearer " + TOKEN, p.calls.get(0).authorization());
        assertEquals(null, p.calls.get(1).authorization());
    }

    @Test
    void readsSendTheLocalReadTokenAndChangesTheAdminToken() throws IOException {
        FakeServer p = serve(pruning);
        pruning.jobs.put("pruneJobs/j1", state(PruneJob.State.SCORING, ""));
        Path state = tmp.resolve("home/local");
        Path secrets = Files.createDirectories(state.resolve("secrets"));
        StringBuilder files = new StringBuilder();
        for (String role : List.of("admin", "write", "read")) {
            Files.writeString(secrets.resolve(role + ".token"), role + "-tok\n");
            files.append(files.length() == 0 ? "" : ", ").append("\"").append(role).append("\": \"")
                    .append(secrets.resolve(role + ".token")).append("\"");
        }
        Files.writeString(state.resolve("endpoints.json"), "{\"tokenFiles\": {" + files + "}, \"services\": {\"pruning\": "
                + "{\"grpc\": \"" + p.endpoint() + "\"}}}");
        CliRunner cli = CliRunner.home(tmp);
        assertEquals(0, cli.run("jobs", "get", "j1").rc());
        assertEquals(0, cli.run("jobs", "list").rc());
        // An endpoint given that the local stack names gets the local tokens too (the fake knows no trigger: NOT_FOUND).
        cli.run("triggers", "get", "t1", "--endpoint", "localhost:" + p.port());
        // The fake refuses every cancel; what matters is the token it came with.
        assertEquals(1, cli.run("jobs", "cancel", "j1").rc());
        List<String> sent = p.calls.stream().map(c -> c.method() + " " + c.authorization()).toList();
        assertEquals(List.of("GetPruneJob Bearer read-tok", "ListPruneJobs Bearer read-tok", "GetRepruneTrigger Bearer read-tok",
                "CancelPruneJob Bearer admin-tok"), sent);
        // A given token wins over the local ones, for reads too.
        assertEquals(0, cli.run("jobs", "get", "j1", "--token", "mine").rc());
        assertEquals("Bearer mine", p.calls.get(p.calls.size() - 1).authorization());
    }

    // ------------------------------------------------------------------------------------------------ triggers, runs

    @Test
    void triggersCreateUpdateDelete() throws IOException {
        FakeServer p = serve(pruning);
        CliRunner cli = stack("pruning", p.endpoint());
        CliRunner.Result r = cli.run("triggers", "create", "--model", "m", "--method", "l1");
        assertEquals(0, r.rc(), r.toString());
        assertEquals("repruneTriggers/t1 (dormant: enable it with ./sculptor triggers update repruneTriggers/t1 --enabled)\n", r.out());
        r = cli.run("triggers", "update", "t1", "--enabled");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("enabled: +true")), r.out());
        r = cli.run("triggers", "delete", "t1");
        assertEquals("deleted repruneTriggers/t1\n", r.out());
        assertEquals(List.of("CreateRepruneTrigger", "UpdateRepruneTrigger", "DeleteRepruneTrigger"), p.methods());
    }

    @Test
    void runsCreateWatchFollowsTheRun() throws IOException {
        FakeServer t = serve(training);
        training.watch = Fakes.Stream.of(runScript());
        CliRunner.Result r = stack("training", t.endpoint()).run("runs", "create", "--arch", "lenet", "--train-subset", "2000",
                "--test-subset", "500", "--epochs", "1", "--watch");
        assertEquals(0, r.rc(), r.toString());
        List<String> lines = r.out().lines().map(l -> l.replaceFirst("^\\[\\d\\d:\\d\\d\\] ", "")).toList();
        assertEquals(List.of("created trainingRuns/r1", "trainingRuns/r1 QUEUED", "trainingRuns/r1 RUNNING",
                "  epoch 1/1  step 16/32  loss 0.6000  acc 75.00%  900 img/s",
                "  epoch 1/1 done  loss 0.5000  acc 80.00%  950 img/s  test: acc 78.20%",
                "trainingRuns/r1 SUCCEEDED: test accuracy 78.20%, loss 0.6100"), lines);
        assertEquals(WorkArgumentsTest.LENET, training.requests(CreateTrainingRunRequest.class).get(0).getTrainingRun().getArch());
    }

    @Test
    void aFailedRunExitsOne() throws IOException {
        FakeServer t = serve(training);
        training.watch = Fakes.Stream.of(List.of(training.created.toBuilder().setState(TrainingRun.State.FAILED)
                .setFailureReason("dataset fashion-mnist not found").build()));
        CliRunner.Result r = stack("training", t.endpoint()).run("runs", "watch", "r1");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: trainingRuns/r1 ended FAILED: dataset fashion-mnist not found\n", r.err());
    }

    static List<TrainingRun> runScript() {
        TrainingRun queued = TrainingRun.newBuilder().setName("trainingRuns/r1").setState(TrainingRun.State.QUEUED).build();
        TrainingRun running = queued.toBuilder().setState(TrainingRun.State.RUNNING).setAttempts(1).build();
        EpochProgress p = EpochProgress.newBuilder().setEpoch(1).setEpochs(1).setStep(16).setSteps(32).setLoss(0.6).setAccuracy(0.75)
                .setImagesPerSecond(900).build();
        EpochProgress end = p.toBuilder().setStep(32).setEpochFinished(true).setLoss(0.5).setAccuracy(0.8).setImagesPerSecond(950)
                .setTestAccuracy(0.782).build();
        return List.of(queued, running, running.toBuilder().setProgress(p).build(), running.toBuilder().setProgress(end).build(),
                running.toBuilder().setProgress(end).setState(TrainingRun.State.SUCCEEDED)
                        .setOutputCheckpoint(CheckpointRef.newBuilder().setUri("s3://sculptor/runs/r1/checkpoints/final/"))
                        .setMetrics(ModelMetrics.newBuilder().setAccuracy(0.782).setLoss(0.61)).build());
    }

    // ------------------------------------------------------------------------------------------------ demo

    private CliRunner demoStack() throws IOException {
        FakeServer reg = serve(registry);
        FakeServer t = serve(training);
        FakeServer p = serve(pruning);
        training.watch = Fakes.Stream.of(runScript());
        registry.lineage = GetLineageResponse.newBuilder()
                .addVersions(ModelVersion.newBuilder().setName("models/fashion-lenet/versions/3").setLineage(Lineage.newBuilder()
                        .setParentVersion("models/fashion-lenet/versions/2").setMethod("fine-tune")))
                .addVersions(ModelVersion.newBuilder().setName("models/fashion-lenet/versions/2").setLineage(Lineage.newBuilder()
                        .setParentVersion("models/fashion-lenet/versions/1").setMethod("l1-norm")))
                .addVersions(ModelVersion.newBuilder().setName("models/fashion-lenet/versions/1")
                        .setArch(ArchSpec.newBuilder().setName("lenet")))
                .build();
        return stack("model-registry", reg.endpoint(), "training", t.endpoint(), "pruning", p.endpoint());
    }

    @Test
    void demoRunsThePipelineEndToEnd() throws IOException {
        CliRunner cli = demoStack();
        pruning.watches.add(Fakes.Stream.of(List.of(job(state(PruneJob.State.PENDING, "")),
                job(state(PruneJob.State.TRAINING, "retraining 3 candidates")), progress(RetrainMode.SCRATCH_E, 1, 8),
                job(succeeded()))));
        CliRunner.Result r = cli.run("demo", "--quick");
        assertEquals(0, r.rc(), r.toString());
        String out = r.out();
        assertTrue(out.startsWith("sculptor demo: quick, LeNet on fashion-mnist (train 10000, test 2000 images), 2 epochs;"
                + " pruned with l1 ratio=0.5, retrained fine-tune,scratch-e,scratch-b\n"), out);
        assertTrue(out.contains("\n[1/5] model models/fashion-lenet: created (\"LeNet on Fashion-MNIST (demo)\")\n"), out);
        assertTrue(out.contains("\n[2/5] training the baseline, lenet 1x28x28 -> 10 (epochs=2 lr=0.05 schedule=step seed=1):"
                + " trainingRuns/r1\n"), out);
        assertTrue(out.contains("]   epoch 1/1  step 16/32  loss 0.6000  acc 75.00%  900 img/s\n"), out);
        assertTrue(out.contains("\n[3/5] registered the baseline: models/fashion-lenet/versions/1"
                + " (checkpoint s3://sculptor/runs/r1/checkpoints/final/)\n"), out);
        assertTrue(out.contains("\n[4/5] pruning models/fashion-lenet/versions/1 with l1 ratio=0.5, retraining"
                + " fine-tune,scratch-e,scratch-b: pruneJobs/j1\n"), out);
        assertTrue(out.contains("]   scratch-e  epoch 1/1  step 8/32"), out);
        assertTrue(out.contains("\n[5/5] results of pruneJobs/j1"), out);
        assertTrue(out.contains("\nlineage of models/fashion-lenet/versions/3: models/fashion-lenet/versions/1 (baseline) ->"
                + " models/fashion-lenet/versions/2 (pruned, l1-norm) -> models/fashion-lenet/versions/3 (fine-tune)\n"), out);

        // What reached each service, with the local stack's token.
        CreateModelRequest model = registry.requests(CreateModelRequest.class).get(0);
        assertEquals("fashion-lenet", model.getModelId());
        assertEquals("LeNet on Fashion-MNIST (demo)", model.getModel().getDisplayName());
        TrainingRun train = training.requests(CreateTrainingRunRequest.class).get(0).getTrainingRun();
        assertEquals(WorkArgumentsTest.LENET, train.getArch());
        assertEquals(10000, train.getDataset().getTrainSubset());
        assertEquals(2, train.getPlan().getEpochs());
        CreateVersionRequest version = registry.requests(CreateVersionRequest.class).get(0);
        assertEquals("models/fashion-lenet", version.getParent());
        assertEquals("s3://sculptor/runs/r1/checkpoints/final/", version.getCheckpoint().getUri());
        assertEquals("trainingRuns/r1", version.getLineage().getTrainingRun());
        assertEquals("", version.getLineage().getParentVersion());
        PruneJob job = pruning.requests(CreatePruneJobRequest.class).get(0).getPruneJob();
        assertEquals("models/fashion-lenet/versions/1", job.getModelVersion());
        assertEquals(PruningMethod.L1_NORM, job.getMethod().getMethod());
        assertEquals(List.of(RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_E, RetrainMode.SCRATCH_B), job.getRetrainModesList());
        assertEquals(1, job.getPlan().getFinetuneEpochs());
        assertEquals("models/fashion-lenet/versions/3", registry.requests(GetLineageRequest.class).get(0).getName());
        for (FakeServer s : servers) {
            assertFalse(s.calls.isEmpty());
            assertTrue(s.calls.stream().allMatch(c -> ("Bearer " + TOKEN).equals(c.authorization())), s.calls.toString());
        }
    }

    @Test
    void demoExitsOneWhenTheJobFails() throws IOException {
        CliRunner cli = demoStack();
        pruning.watches.add(Fakes.Stream.of(List.of(job(state(PruneJob.State.PENDING, "")),
                job(state(PruneJob.State.FAILED, "training failed: out of memory")))));
        CliRunner.Result r = cli.run("demo", "--quick");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: pruneJobs/j1 ended FAILED: training failed: out of memory\n", r.err());
        assertFalse(r.out().contains("lineage of"), r.out());
    }

    @Test
    void demoChecksEveryServiceBeforeItStarts() throws IOException {
        FakeServer reg = serve(registry);
        FakeServer t = serve(training);
        CliRunner.Result r = stack("model-registry", reg.endpoint(), "training", t.endpoint()).run("demo", "--quick");
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.err().startsWith("sculptor: the local stack (" + tmp.resolve("home/local/endpoints.json")
                + ") does not run the pruning service (it runs model-registry, training): see ./sculptor status,"
                + " or pass --pruning-endpoint host:port"), r.err());
        assertEquals(List.of(), reg.calls);
        assertEquals(List.of(), t.calls);
    }
}
