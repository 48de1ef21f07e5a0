package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.CreateRepruneTriggerRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RepruneTrigger;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.UpdateRepruneTriggerRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command lines of jobs, triggers, runs and demo to the requests they send, and the ones refused before any call. */
class WorkArgumentsTest {
    @TempDir
    Path tmp;

    /** LeNet for 28x28x1 images and 10 classes, as the engine's Architectures defines it. */
    static final ArchSpec LENET = ArchSpec.newBuilder().setFamily("lenet").setName("lenet").addAllInputShape(List.of(1, 28, 28))
            .setNumClasses(10).addAllConvWidths(List.of(32, 64)).addAllPoolAfter(List.of(0, 1)).addAllHidden(List.of(128)).build();

    private Object leaf(String... args) {
        return CliRunner.parse(tmp, args);
    }

    /** No endpoint is reachable here: every command line below must fail before it needs one. */
    private CliRunner.Result run(String... args) {
        return CliRunner.home(tmp).run(args);
    }

    @Test
    void jobsCreateBuildsTheRequest() {
        JobsCommand.Create c = (JobsCommand.Create) leaf("jobs", "create", "--model-version", "models/m/versions/3",
                "--method", "l1", "--ratio", "0.3", "--retrain", "fine-tune,scratch-b");
        CreatePruneJobRequest expected = CreatePruneJobRequest.newBuilder().setPruneJob(PruneJob.newBuilder()
                .setModelVersion("models/m/versions/3")
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.3))
                .addRetrainModes(RetrainMode.FINE_TUNE).addRetrainModes(RetrainMode.SCRATCH_B)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist")))
                .build();
        assertEquals(expected, c.request());
        // No plan option: no plan, so the service's defaults apply.
        assertTrue(!c.request().getPruneJob().hasPlan());
    }

    @Test
    void jobsCreateWithEverything() {
        JobsCommand.Create c = (JobsCommand.Create) leaf("jobs", "create", "--model-version", "m/production",
                "--method", "SLIMMING", "--percent", "0.6", "--sparsity-lambda", "0.0001", "--retrain", "scratch-e",
                "--retrain", "lottery", "--dataset", "cifar10", "--train-subset", "5000", "--test-subset", "1000",
                "--epochs", "40", "--finetune-epochs", "10", "--lr", "0.1", "--finetune-lr", "0.01", "--schedule", "cosine",
                "--batch-size", "128", "--seed", "7", "--scratch-b-cap", "2", "--target-model", "m-pruned",
                "--display-name", "slim", "--id", "job-1", "--request-id", "r-1", "--skip", "features.0,features.1");
        CreatePruneJobRequest expected = CreatePruneJobRequest.newBuilder().setPruneJob(PruneJob.newBuilder()
                .setModelVersion("models/m/versions/production")
                .setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.NETWORK_SLIMMING).setPercent(0.6).setSparsityLambda(1e-4)
                        .addSkip("features.0").addSkip("features.1"))
                .addRetrainModes(RetrainMode.SCRATCH_E).addRetrainModes(RetrainMode.LOTTERY_TICKET)
                .setDataset(DatasetRef.newBuilder().setUri("cifar10").setTrainSubset(5000).setTestSubset(1000))
                .setPlan(TrainingPlan.newBuilder().setEpochs(40).setFinetuneEpochs(10).setLearningRate(0.1)
                        .setFinetuneLearningRate(0.01).setSchedule(TrainingPlan.Schedule.COSINE).setBatchSize(128).setSeed(7)
                        .setScratchBCap(2))
                .setTargetModel("models/m-pruned").setDisplayName("slim"))
                .setPruneJobId("job-1").setRequestId("r-1").build();
        assertEquals(expected, c.request());
    }

    @Test
    void everyMethodWord() {
        Map<String, PruningMethod> words = Map.of("l1", PruningMethod.L1_NORM, "thinet", PruningMethod.THINET,
                "regression", PruningMethod.REGRESSION, "slimming", PruningMethod.NETWORK_SLIMMING,
                "sss", PruningMethod.SPARSE_STRUCTURE_SELECTION, "sfp", PruningMethod.SOFT_FILTER_PRUNING,
                "weight", PruningMethod.WEIGHT_LEVEL, "l1-norm", PruningMethod.L1_NORM, "network-slimming",
                PruningMethod.NETWORK_SLIMMING);
        words.forEach((w, m) -> {
            assertEquals(m, Choices.method(w), w);
            JobsCommand.Create c = (JobsCommand.Create) leaf("jobs", "create", "--model-version", "m/1", "--method", w);
            assertEquals(m, c.request().getPruneJob().getMethod().getMethod(), w);
        });
        assertEquals("sss", Choices.word(PruningMethod.SPARSE_STRUCTURE_SELECTION));
        assertEquals("scratch-b", Choices.word(RetrainMode.SCRATCH_B));
    }

    @Test
    void triggersCreateAndUpdate() {
        TriggersCommand.Create c = (TriggersCommand.Create) leaf("triggers", "create", "--model", "models/m", "--alias", "production",
                "--method", "l1", "--ratio", "0.5", "--enabled", "--id", "nightly");
        assertEquals(CreateRepruneTriggerRequest.newBuilder().setRepruneTriggerId("nightly").setRepruneTrigger(
                RepruneTrigger.newBuilder().setModel("models/m").setAlias("production").setEnabled(true).setTemplate(
                        PruneJob.newBuilder().setMethod(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.5))
                                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist")))).build(), c.request());

        TriggersCommand.Update u = (TriggersCommand.Update) leaf("triggers", "update", "nightly", "--enabled=false");
        assertEquals(UpdateRepruneTriggerRequest.newBuilder().setRepruneTrigger(RepruneTrigger.newBuilder()
                .setName("repruneTriggers/nightly").setEnabled(false))
                .setUpdateMask(FieldMask.newBuilder().addPaths("enabled")).build(), u.request());

        u = (TriggersCommand.Update) leaf("triggers", "update", "repruneTriggers/nightly", "--enabled", "--alias", "staging");
        assertEquals(List.of("alias", "enabled"), u.request().getUpdateMask().getPathsList());
        assertEquals("staging", u.request().getRepruneTrigger().getAlias());
        assertTrue(u.request().getRepruneTrigger().getEnabled());

        u = (TriggersCommand.Update) leaf("triggers", "update", "nightly", "--no-alias", "--method", "thinet", "--ratio", "0.4");
        assertEquals(List.of("alias", "template"), u.request().getUpdateMask().getPathsList());
        assertEquals("", u.request().getRepruneTrigger().getAlias());
        assertEquals(MethodSpec.newBuilder().setMethod(PruningMethod.THINET).setRatio(0.4).build(),
                u.request().getRepruneTrigger().getTemplate().getMethod());
    }

    @Test
    void runsCreateWithABareLeNet() {
        RunsCommand.Create c = (RunsCommand.Create) leaf("runs", "create", "--arch", "lenet", "--dataset", "fashion-mnist",
                "--train-subset", "2000", "--test-subset", "500", "--epochs", "1", "--lr", "0.05", "--seed", "1");
        assertEquals(CreateTrainingRunRequest.newBuilder().setTrainingRun(TrainingRun.newBuilder().setArch(LENET)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist").setTrainSubset(2000).setTestSubset(500))
                .setPlan(TrainingPlan.newBuilder().setEpochs(1).setLearningRate(0.05).setSeed(1))).build(), c.request());

        // CIFAR-10's shape comes from the dataset; a version brings its own architecture.
        c = (RunsCommand.Create) leaf("runs", "create", "--arch", "resnet20", "--dataset", "cifar10");
        ArchSpec resnet = c.request().getTrainingRun().getArch();
        assertEquals(List.of(3, 32, 32), resnet.getInputShapeList());
        assertEquals(List.of(16, 32, 64), resnet.getStageWidthsList());
        assertEquals(9, resnet.getBlocksCount());
        c = (RunsCommand.Create) leaf("runs", "create", "--model-version", "m/2", "--retrain", "fine-tune", "--id", "ft-1");
        assertEquals(CreateTrainingRunRequest.newBuilder().setTrainingRunId("ft-1").setTrainingRun(TrainingRun.newBuilder()
                .setModelVersion("models/m/versions/2").setRetrainMode(RetrainMode.FINE_TUNE)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist"))).build(), c.request());
    }

    @Test
    void demoSendsTheDocumentedPlan() {
        DemoCommand quick = (DemoCommand) leaf("demo", "--quick");
        CreateTrainingRunRequest train = quick.trainingRequest();
        assertEquals(TrainingRun.newBuilder().setArch(LENET)
                .setDataset(DatasetRef.newBuilder().setUri("fashion-mnist").setTrainSubset(10000).setTestSubset(2000))
                .setPlan(TrainingPlan.newBuilder().setEpochs(2).setLearningRate(0.05).setSchedule(TrainingPlan.Schedule.STEP).setSeed(1))
                .build(), train.getTrainingRun());
        PruneJob job = quick.pruneRequest("models/fashion-lenet/versions/4").getPruneJob();
        assertEquals("models/fashion-lenet/versions/4", job.getModelVersion());
        assertEquals(MethodSpec.newBuilder().setMethod(PruningMethod.L1_NORM).setRatio(0.5).build(), job.getMethod());
        assertEquals(List.of(RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_E, RetrainMode.SCRATCH_B), job.getRetrainModesList());
        assertEquals(train.getTrainingRun().getDataset(), job.getDataset());
        assertEquals(TrainingPlan.newBuilder().setEpochs(2).setLearningRate(0.05).setSchedule(TrainingPlan.Schedule.STEP).setSeed(1)
                .setFinetuneEpochs(1).build(), job.getPlan());

        DemoCommand full = (DemoCommand) leaf("demo");
        assertEquals(DatasetRef.newBuilder().setUri("fashion-mnist").build(), full.dataset());
        assertEquals(4, full.plan().getEpochs());
        assertEquals(2, full.plan().getFinetuneEpochs());

        DemoCommand custom = (DemoCommand) leaf("demo", "--method", "slimming", "--ratio", "0.3", "--epochs", "6", "--model", "m2");
        assertEquals(MethodSpec.newBuilder().setMethod(PruningMethod.NETWORK_SLIMMING).setPercent(0.3).build(), custom.methodSpec());
        assertEquals(6, custom.plan().getEpochs());
    }

    @Test
    void unknownMethodExitsTwoNamingIt() {
        CliRunner.Result r = run("jobs", "create", "--model-version", "m/1", "--method", "magic");
        assertEquals(2, r.rc(), r.toString());
        assertEquals("", r.out());
        assertEquals("sculptor: unknown method 'magic' (one of l1, thinet, regression, slimming, sss, sfp, weight)"
                + " (see ./sculptor jobs create --help)\n", r.err());
        assertEquals(2, run("demo", "--method", "magic").rc());
        assertTrue(run("demo", "--method", "magic").err().contains("'magic'"));
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        String[][] bad = {
            {"jobs", "create", "--method", "l1"},
            {"jobs", "create", "--model-version", "m/1"},
            {"jobs", "create", "--model-version", "m", "--method", "l1"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--ratio", "1"},
            {"jobs", "create", "--model-version", "m/1", "--method", "slimming", "--ratio", "0.5"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--percent", "0.5"},
            {"jobs", "create", "--model-version", "m/1", "--method", "thinet", "--preset", "vgg16-a"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--retrain", "fine-tune,sideways"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--retrain", "fine-tune,fine-tune"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--epochs", "0"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--lr", "-1"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--schedule", "wavy"},
            {"jobs", "create", "--model-version", "m/1", "--method", "l1", "--train-subset", "-5"},
            {"jobs", "get", "a/b"},
            {"jobs", "watch"},
            {"jobs", "list", "--page-size", "-1"},
            {"triggers", "create", "--method", "l1"},
            {"triggers", "update", "t"},
            {"triggers", "update", "t", "--ratio", "0.3"},
            {"triggers", "update", "t", "--alias", "a", "--no-alias"},
            {"triggers", "update", "t", "--enabled=maybe"},
            {"runs", "create", "--dataset", "fashion-mnist"},
            {"runs", "create", "--arch", "lenet", "--model-version", "m/1"},
            {"runs", "create", "--arch", "alexnet"},
            {"runs", "create", "--arch", "lenet", "--dataset", "file:/data"},
            {"runs", "create", "--arch", "lenet", "--retrain", "fine-tune"},
            {"runs", "get", "trainingRuns/"},
            {"demo", "--ratio", "1.5"},
            {"demo", "--epochs", "0"},
            {"demo", "--baseline", "a/b/c"},
            {"demo", "--pruning-endpoint", "nohost"},
        };
        for (String[] args : bad) {
            run(args).assertUsageError(args);
        }
        assertEquals("sculptor: --ratio does not apply to slimming: use --percent (see ./sculptor jobs create --help)",
                run("jobs", "create", "--model-version", "m/1", "--method", "slimming", "--ratio", "0.5").err().strip());
        assertEquals("sculptor: unknown retrain mode 'sideways' (one of fine-tune, scratch-e, scratch-b, lottery-ticket)"
                + " (see ./sculptor jobs create --help)",
                run("jobs", "create", "--model-version", "m/1", "--method", "l1", "--retrain", "fine-tune,sideways").err().strip());
    }

    @Test
    void noServiceInTheStackIsAFailure() {
        CliRunner.Result r = run("jobs", "list");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("sculptor: no local stack found (" + tmp.resolve("home/local/endpoints.json")
                + " does not exist): start it with ./sculptor up, or pass --endpoint host:port (or set SCULPTOR_PRUNING_ENDPOINT)\n",
                r.err());
        r = run("demo", "--quick");
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.err().contains("pass --registry-endpoint host:port (or set SCULPTOR_ENDPOINT)"), r.toString());
    }

    @Test
    void helpListsTheNewGroups() {
        CliRunner.Result r = run("--help");
        assertEquals(0, r.rc());
        for (String c : List.of("models", "jobs", "triggers", "runs", "demo")) {
            assertTrue(r.out().contains(c), r.toString());
        }
        for (String g : List.of("jobs", "triggers", "runs")) {
            assertEquals(0, run(g).rc(), g);
        }
        assertTrue(run("jobs", "create", "--help").out().contains("--retrain=MODES"));
        assertTrue(run("demo", "--help").out().contains("--quick"));
    }

    @Test
    void namesOfJobsTriggersRuns() {
        assertEquals("pruneJobs/abc", Names.job("abc"));
        assertEquals("pruneJobs/abc", Names.job("pruneJobs/abc"));
        assertEquals("repruneTriggers/t", Names.trigger("t"));
        assertEquals("trainingRuns/r", Names.run(" trainingRuns/r "));
        CliException e = assertThrows(CliException.class, () -> Names.job("models/m"));
        assertEquals("'models/m' is not a prune job: use <id> or pruneJobs/<id>", e.getMessage());
    }
}
