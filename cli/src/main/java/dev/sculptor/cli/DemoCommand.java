package dev.sculptor.cli;

import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.CreateVersionRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.GetLineageRequest;
import dev.sculptor.api.v1.GetLineageResponse;
import dev.sculptor.api.v1.GetModelRequest;
import dev.sculptor.api.v1.GetVersionRequest;
import dev.sculptor.api.v1.Lineage;
import dev.sculptor.api.v1.MethodSpec;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelVersion;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruningGrpc;
import dev.sculptor.api.v1.PruningMethod;
import dev.sculptor.api.v1.RetrainMode;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRun;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sculptor demo}: the platform end to end on the local stack, the experiment of Liu et al., "Rethinking the Value
 * of Network Pruning" (ICLR 2019), in small: train a LeNet baseline on Fashion-MNIST (training service), register it
 * (model registry), prune it and retrain the pruned architecture by fine-tuning, Scratch-E and Scratch-B (pruning
 * service), then compare the results and show a candidate's lineage.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The platform end to end: train, register, prune and retrain LeNet on Fashion-MNIST.",
            "",
            "Trains a LeNet baseline on Fashion-MNIST, registers it, prunes it (by default L1 norm, half the channels) and"
                + " retrains the pruned network three ways (fine-tune, Scratch-E, Scratch-B), then prints the results and"
                + " a candidate's lineage. Exit 0 when the prune job SUCCEEDED, else 1.",
            "",
            "Needs the model registry, training and pruning services (./sculptor demo starts the local stack when it is not up).",
            "Full: 4 epochs (fine-tuning 2) on all 60,000 training images; --quick: 2 epochs (fine-tuning 1) on 10,000 images, tested on 2,000."})
final class DemoCommand implements Callable<Integer>, Targeted {
    static final String DEFAULT_MODEL = "fashion-lenet";
    static final String DISPLAY_NAME = "LeNet on Fashion-MNIST (demo)";
    static final String DATASET = "fashion-mnist";
    static final int QUICK_TRAIN = 10_000;
    static final int QUICK_TEST = 2_000;
    static final List<RetrainMode> MODES = List.of(RetrainMode.FINE_TUNE, RetrainMode.SCRATCH_E, RetrainMode.SCRATCH_B);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "About two minutes on 2 cores: 10,000 training and 2,000 test images, 2 epochs (fine-tuning 1). Short: its"
                    + " accuracies are below a full run's.")
    boolean quick;

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = DEFAULT_MODEL,
            description = "The model to register the baseline and the results under (default ${DEFAULT-VALUE}); created when missing.")
    String model;

    @Option(names = "--method", paramLabel = "METHOD", defaultValue = "l1",
            description = "Pruning method (default ${DEFAULT-VALUE}): " + Choices.METHOD_WORDS + ".")
    String method;

    @Option(names = "--ratio", paramLabel = "R", defaultValue = "0.5",
            description = "Fraction pruned, in [0, 1) (default ${DEFAULT-VALUE}): the method's ratio, or its percent for"
                    + " slimming, sss and weight.")
    double ratio;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs of the baseline and of Scratch-E (default 4, --quick 2).")
    Integer epochs;

    @Option(names = "--baseline", paramLabel = "VERSION",
            description = "Prune this registered version instead of training a new baseline (e.g. fashion-lenet/1).")
    String baseline;

    @Option(names = "--registry-endpoint", paramLabel = "HOST:PORT",
            description = "The model registry (default: $SCULPTOR_MODEL_REGISTRY_ENDPOINT, $SCULPTOR_ENDPOINT, else the local stack's).")
    String registryEndpoint;

    @Option(names = "--training-endpoint", paramLabel = "HOST:PORT",
            description = "The training service (default: $SCULPTOR_TRAINING_ENDPOINT, else the local stack's).")
    String trainingEndpoint;

    @Option(names = "--pruning-endpoint", paramLabel = "HOST:PORT",
            description = "The pruning service (default: $SCULPTOR_PRUNING_ENDPOINT, else the local stack's).")
    String pruningEndpoint;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token for all three (default: $SCULPTOR_TOKEN, else the local stack's admin token).")
    String token;

    /** The endpoint of the call in progress, for the error line. */
    private Endpoints.Target current;

    private int step;
    private int steps;

    @Override
    public Endpoints.Target target() {
        return current;
    }

    // ------------------------------------------------------------------------------------------------ what it sends

    /** The data: all of Fashion-MNIST, or with --quick fixed subsets of 10,000 training and 2,000 test images. */
    DatasetRef dataset() {
        DatasetRef.Builder d = DatasetRef.newBuilder().setUri(DATASET);
        if (quick) {
            d.setTrainSubset(QUICK_TRAIN).setTestSubset(QUICK_TEST);
        }
        return d.build();
    }

    /** The baseline's plan, also the prune job's (Scratch-E trains as long, Scratch-B scales from it). */
    TrainingPlan plan() {
        int e = epochs != null ? epochs : quick ? 2 : 4;
        return TrainingPlan.newBuilder().setEpochs(e).setLearningRate(0.05).setSchedule(TrainingPlan.Schedule.STEP).setSeed(1)
                .setFinetuneEpochs(quick ? 1 : 2).build();
    }

    CreateTrainingRunRequest trainingRequest() {
        TrainingPlan p = plan().toBuilder().clearFinetuneEpochs().build();
        TrainingRun run = TrainingRun.newBuilder()
                .setArch(RunsCommand.arch("lenet", List.of(1, 28, 28), 10))
                .setDataset(dataset())
                .setPlan(p)
                .build();
        return CreateTrainingRunRequest.newBuilder().setTrainingRun(run).setRequestId(UUID.randomUUID().toString()).build();
    }

    MethodSpec methodSpec() {
        PruningMethod m = Choices.method(method);
        if (!(ratio >= 0 && ratio < 1)) {
            throw CliException.usage("--ratio must be in [0, 1), got " + ratio);
        }
        MethodSpec.Builder b = MethodSpec.newBuilder().setMethod(m);
        return (Choices.usesPercent(m) ? b.setPercent(ratio) : b.setRatio(ratio)).build();
    }

    CreatePruneJobRequest pruneRequest(String version) {
        PruneJob job = PruneJob.newBuilder()
                .setModelVersion(version)
                .setMethod(methodSpec())
                .addAllRetrainModes(MODES)
                .setDataset(dataset())
                .setPlan(plan())
                .setDisplayName("demo: " + Choices.word(methodSpec().getMethod()) + " " + WorkOutput.number(ratio)
                        + " of " + version)
                .build();
        return CreatePruneJobRequest.newBuilder().setPruneJob(job).setRequestId(UUID.randomUUID().toString()).build();
    }

    // ------------------------------------------------------------------------------------------------ the run

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String modelName = Names.model(model);
        methodSpec();
        if (epochs != null) {
            Options.atLeast("--epochs", epochs, 1);
        }
        if (baseline != null) {
            Names.version(model, baseline);
        }
        // A malformed endpoint is wrong usage whatever else is missing.
        String[][] flags = {{"--registry-endpoint", registryEndpoint}, {"--training-endpoint", trainingEndpoint},
            {"--pruning-endpoint", pruningEndpoint}};
        for (String[] f : flags) {
            if (f[1] != null) {
                Endpoints.parseEndpoint(f[1], f[0]);
            }
        }
        SculptorCli root = (SculptorCli) spec.root().userObject();
        Endpoints.Target registryAt = Endpoints.resolve(Endpoints.MODEL_REGISTRY, "--registry-endpoint", registryEndpoint, token,
                root.env, root.codeSource);
        Endpoints.Target trainingAt = baseline != null ? null : Endpoints.resolve(Endpoints.TRAINING, "--training-endpoint",
                trainingEndpoint, token, root.env, root.codeSource);
        Endpoints.Target pruningAt = Endpoints.resolve(Endpoints.PRUNING, "--pruning-endpoint", pruningEndpoint, token,
                root.env, root.codeSource);
        steps = baseline != null ? 4 : 5;
        TrainingPlan plan = plan();
        out.println("sculptor demo: " + (quick ? "quick, " : "") + "LeNet on " + WorkOutput.dataset(dataset()) + ", "
                + plan.getEpochs() + (plan.getEpochs() == 1 ? " epoch" : " epochs") + "; pruned with "
                + WorkOutput.method(methodSpec()) + ", retrained " + WorkOutput.modes(MODES));
        out.flush();
        Watch.Clock clock = new Watch.Clock();
        try (Connection registryConn = new Connection(registryAt);
                Connection trainingConn = trainingAt == null ? null : new Connection(trainingAt);
                Connection pruningConn = new Connection(pruningAt)) {
            Registry registry = new Registry(registryConn);
            current = registryAt;
            ensureModel(out, registry, modelName);

            String version;
            if (baseline != null) {
                current = registryAt;
                version = registry.blocking().getVersion(GetVersionRequest.newBuilder().setName(Names.version(model, baseline))
                        .build()).getName();
                step(out, "baseline: " + version + " (given, not trained)");
            } else {
                current = trainingAt;
                TrainingRun run = train(out, trainingConn, clock);
                current = registryAt;
                ModelVersion v = registry.blocking().createVersion(CreateVersionRequest.newBuilder()
                        .setParent(modelName)
                        .setCheckpoint(run.getOutputCheckpoint())
                        .setDescription("LeNet baseline on Fashion-MNIST, trained by ./sculptor demo in " + run.getName())
                        .addTags("baseline")
                        .addTags("demo")
                        .setLineage(Lineage.newBuilder().setTrainingRun(run.getName()))
                        .setRequestId(UUID.randomUUID().toString())
                        .build());
                version = v.getName();
                step(out, "registered the baseline: " + version + " (checkpoint " + run.getOutputCheckpoint().getUri() + ")");
            }

            current = pruningAt;
            CreatePruneJobRequest request = pruneRequest(version);
            PruneJob created = pruningConn.unary(PruningGrpc::newBlockingStub).createPruneJob(request);
            step(out, "pruning " + version + " with " + WorkOutput.method(request.getPruneJob().getMethod()) + ", retraining "
                    + WorkOutput.modes(MODES) + ": " + created.getName());
            PruneJob job = Watch.job(pruningConn, created.getName(), out, clock, false);

            step(out, "results of " + job.getName() + " (accuracy and loss on the test set; SAVED: against the baseline)");
            Results.print(out, job);
            if (quick) {
                out.printf(java.util.Locale.ROOT, "(--quick: %d epochs on %,d training images, a short run: the full demo,"
                        + " ./sculptor demo, trains on all 60,000 and reaches higher accuracies)%n", plan.getEpochs(), QUICK_TRAIN);
            }
            out.flush();
            current = registryAt;
            lineage(out, registry, job);
            JobsCommand.succeeded(job);
            out.println();
            out.println("done in " + clock.elapsed() + ": ./sculptor jobs get " + job.getName() + ", ./sculptor models versions "
                    + modelName);
            out.flush();
            return 0;
        }
    }

    private void ensureModel(PrintWriter out, Registry registry, String modelName) {
        try {
            Model m = registry.blocking().getModel(GetModelRequest.newBuilder().setName(modelName).build());
            step(out, "model " + modelName + ": there already (" + (m.getLatestVersionNumber() == 0 ? "no versions"
                    : "latest version " + m.getLatestVersionNumber()) + ")");
            return;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        try {
            registry.blocking().createModel(CreateModelRequest.newBuilder().setModelId(Names.modelId(modelName))
                    .setModel(Model.newBuilder().setDisplayName(DISPLAY_NAME)).build());
            step(out, "model " + modelName + ": created (\"" + DISPLAY_NAME + "\")");
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
            step(out, "model " + modelName + ": there already");
        }
    }

    private TrainingRun train(PrintWriter out, Connection training, Watch.Clock clock) {
        CreateTrainingRunRequest request = trainingRequest();
        TrainingRun created = training.unary(TrainingGrpc::newBlockingStub).createTrainingRun(request);
        TrainingPlan p = request.getTrainingRun().getPlan();
        step(out, "training the baseline, " + WorkOutput.arch(request.getTrainingRun().getArch()) + " ("
                + WorkOutput.plan(p) + "): " + created.getName());
        TrainingRun run = Watch.run(training, created.getName(), out, clock, false, "  ");
        RunsCommand.succeeded(run);
        if (!run.hasOutputCheckpoint() || run.getOutputCheckpoint().getUri().isEmpty()) {
            throw CliException.failure(run.getName() + " SUCCEEDED without an output checkpoint; cannot register it");
        }
        return run;
    }

    /** The lineage of the first candidate that was registered: its parent (the baseline) -> the pruned model -> it. */
    private static void lineage(PrintWriter out, Registry registry, PruneJob job) {
        PruneJob.Candidate c = job.getCandidatesList().stream().filter(x -> !x.getModelVersion().isEmpty()).findFirst().orElse(null);
        if (c == null) {
            return;
        }
        GetLineageResponse r = registry.blocking().getLineage(GetLineageRequest.newBuilder().setName(c.getModelVersion()).build());
        List<String> chain = new ArrayList<>();
        for (ModelVersion v : r.getVersionsList()) {
            String what = v.getName().equals(job.getPrunedVersion()) ? " (pruned, " + dash(v.getLineage().getMethod()) + ")"
                    : v.getName().equals(c.getModelVersion()) ? " (" + (c.getLabel().isEmpty() ? Choices.word(c.getRetrainMode())
                            : c.getLabel()) + ")" : v.getName().equals(job.getModelVersion()) ? " (baseline)" : "";
            chain.add(v.getName() + what);
        }
        Collections.reverse(chain);
        out.println();
        out.println("lineage of " + c.getModelVersion() + ": " + chain.stream().collect(Collectors.joining(" -> ")));
        Output.lineage(out, r.getVersionsList(), r.getTruncated());
        out.flush();
    }

    private void step(PrintWriter out, String what) {
        step++;
        out.println(String.format(Locale.ROOT, "[%d/%d] %s", step, steps, what));
        out.flush();
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
