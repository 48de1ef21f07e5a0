package dev.sculptor.cli;

import dev.sculptor.api.v1.ArchSpec;
import dev.sculptor.api.v1.CancelTrainingRunRequest;
import dev.sculptor.api.v1.CreateTrainingRunRequest;
import dev.sculptor.api.v1.DatasetRef;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.ListTrainingRunsRequest;
import dev.sculptor.api.v1.ListTrainingRunsResponse;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingPlan;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.arch.Architectures;
import dev.sculptor.engineproto.EngineProto;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sculptor runs ...}: training runs on the training service. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = {"Training runs on the training service over gRPC.",
            "",
            "Endpoint: --endpoint, else $SCULPTOR_TRAINING_ENDPOINT, else the local stack's endpoints.json. Token: --token,"
                + " else $SCULPTOR_TOKEN, else the local stack's token file (read for reads, admin otherwise).",
            "Runs: trainingRuns/<id> or <id>."},
        subcommands = {RunsCommand.Create.class, RunsCommand.Get.class, RunsCommand.ListRuns.class, RunsCommand.WatchCmd.class,
            RunsCommand.Cancel.class})
final class RunsCommand extends CommandGroup {
    /** A call to the training service. */
    abstract static class Call extends ServiceCall {
        /** The service as errors name it. */
        static final String SERVICE = "the training service";

        @Option(names = "--endpoint", paramLabel = "HOST:PORT",
                description = "The training service's gRPC endpoint (default: $SCULPTOR_TRAINING_ENDPOINT, else the local stack's).")
        void endpoint(String e) {
            endpoint = e;
        }

        @Override
        final String service() {
            return Endpoints.TRAINING;
        }
    }

    static TrainingGrpc.TrainingBlockingStub training(Connection c) {
        return c.unary(TrainingGrpc::newBlockingStub);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Queue a training run: a bare architecture from a seeded initialisation (--arch), or a registered"
                + " version (--model-version, e.g. to fine-tune it). Prints the run's name (with --watch, follows it to the end)."})
    static final class Create extends Call {
        @Option(names = "--arch", paramLabel = "NAME",
                description = "Train this architecture from scratch: " + "lenet, vgg11, vgg13, vgg16, vgg19, resnet<6n+2>"
                        + " (resnet20, resnet56, ...), preresnet<9n+2>.")
        String arch;

        @Option(names = "--model-version", paramLabel = "VERSION",
                description = "Train this version: models/<m>/versions/<n>, <m>/<n> or <m>/<alias>.")
        String modelVersion;

        @Option(names = "--input-shape", paramLabel = "C,H,W", split = ",",
                description = "--arch: the input's shape (default: the dataset's, 1,28,28 for fashion-mnist, 3,32,32 for cifar10).")
        List<Integer> inputShape;

        @Option(names = "--num-classes", paramLabel = "N", description = "--arch: output classes (default: the dataset's, 10).")
        Integer numClasses;

        @Option(names = "--retrain", paramLabel = "MODE",
                description = "--model-version: how to retrain it, one of " + Choices.MODE_WORDS + " (default: plain training).")
        String retrain;

        @Mixin
        Options.Data data;

        @Mixin
        Options.Plan plan;

        @Option(names = "--id", paramLabel = "ID", description = "The run's id, [a-z][a-z0-9-]{0,62} (default: the service picks one).")
        String id;

        @Option(names = "--request-id", paramLabel = "UUID", description = "Makes a retried create return the run the first one queued.")
        String requestId;

        @Option(names = "--watch", description = "Follow the run to its end (as runs watch); exit 1 unless it SUCCEEDED.")
        boolean watch;

        private CreateTrainingRunRequest request;

        CreateTrainingRunRequest request() {
            if ((arch == null) == (modelVersion == null)) {
                throw CliException.usage("give either --arch or --model-version");
            }
            DatasetRef dataset = data.ref();
            TrainingRun.Builder run = TrainingRun.newBuilder().setDataset(dataset);
            if (arch != null) {
                if (retrain != null) {
                    throw CliException.usage("--retrain applies to --model-version only");
                }
                run.setArch(arch(arch, inputShape != null ? inputShape : datasetShape(dataset.getUri()),
                        numClasses != null ? numClasses : datasetClasses(dataset.getUri())));
            } else {
                if (inputShape != null || numClasses != null) {
                    throw CliException.usage("--input-shape and --num-classes apply to --arch only (a version has its architecture)");
                }
                run.setModelVersion(Names.version(modelVersion));
                if (retrain != null) {
                    run.setRetrainMode(Choices.mode(retrain));
                }
            }
            TrainingPlan p = plan.plan();
            if (p != null) {
                run.setPlan(p);
            }
            CreateTrainingRunRequest.Builder r = CreateTrainingRunRequest.newBuilder().setTrainingRun(run);
            if (id != null) {
                r.setTrainingRunId(id);
            }
            if (requestId != null) {
                r.setRequestId(requestId);
            }
            return r.build();
        }

        @Override
        void before() {
            request = request();
        }

        @Override
        void run(Connection c) {
            Watch.Clock clock = new Watch.Clock();
            TrainingRun r = training(c).createTrainingRun(request);
            created(r, r.getName(), watch, () -> succeeded(Watch.run(c, r.getName(), out(), clock, json, "  ")));
        }
    }

    /** A command on one training run, named by its argument. */
    abstract static class OneRun extends Call {
        @Parameters(index = "0", paramLabel = "<run>", description = "trainingRuns/<id> or <id>.")
        String name;

        @Override
        void before() {
            Names.run(name);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a training run.")
    static final class Get extends OneRun implements ServiceCall.Reads {
        @Override
        void run(Connection c) {
            TrainingRun r = training(c).getTrainingRun(GetTrainingRunRequest.newBuilder().setName(Names.run(name)).build());
            print(r, out -> WorkOutput.run(out, r));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List training runs, newest first (every page).")
    static final class ListRuns extends Call implements ServiceCall.Reads {
        @Option(names = "--filter", paramLabel = "FILTER",
                description = "AIP-160 filter on state, prune_job, model_version, retrain_mode, e.g. 'state = RUNNING'.")
        String filter;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0", description = "Runs per request (default: the service's, 50).")
        int pageSize;

        @Override
        void before() {
            Options.atLeast("--page-size", pageSize, 0);
        }

        @Override
        void run(Connection c) {
            ListTrainingRunsRequest.Builder r = ListTrainingRunsRequest.newBuilder().setPageSize(pageSize);
            if (filter != null) {
                r.setFilter(filter);
            }
            List<TrainingRun> runs = Pages.all(SERVICE, t -> training(c).listTrainingRuns(r.setPageToken(t).build()),
                    ListTrainingRunsResponse::getNextPageToken, ListTrainingRunsResponse::getTrainingRunsList);
            print(ListTrainingRunsResponse.newBuilder().addAllTrainingRuns(runs).build(), out -> WorkOutput.runs(out, runs));
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Follow a training run: one line per change of state and per progress report. Exit 0 when it"
                + " SUCCEEDED, else 1.", "With --json, one JSON object per update (JSON Lines)."})
    static final class WatchCmd extends OneRun implements ServiceCall.Reads {
        @Override
        void run(Connection c) {
            succeeded(Watch.run(c, Names.run(name), out(), new Watch.Clock(), json, "  "));
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a queued or running run; a running one stops after its current step.")
    static final class Cancel extends OneRun {
        @Override
        void run(Connection c) {
            TrainingRun r = training(c).cancelTrainingRun(CancelTrainingRunRequest.newBuilder().setName(Names.run(name)).build());
            print(r, out -> out.println(WorkOutput.runLine(r)));
        }
    }

    /** A run that did not succeed fails the command with its reason. */
    static void succeeded(TrainingRun r) {
        if (r.getState() != TrainingRun.State.SUCCEEDED) {
            throw Watch.ended(r.getName(), r.getState(), r.getFailureReason());
        }
    }

    // ------------------------------------------------------------------------------------------------ architectures

    /**
     * A named architecture (the engine's {@link Architectures}, e.g. LeNet: 5x5 convolutions of 32 and 64 channels, each
     * followed by 2x2 max-pooling, a hidden layer of 128) as the contract's {@code ArchSpec}, field for field as the
     * platform reads it back (the one mapping, {@link EngineProto}).
     */
    static ArchSpec arch(String name, List<Integer> inputShape, int numClasses) {
        if (inputShape.size() != 3 || inputShape.stream().anyMatch(d -> d == null || d < 1)) {
            throw CliException.usage("--input-shape must be C,H,W with positive numbers, got " + inputShape);
        }
        dev.sculptor.engine.arch.ArchSpec a;
        try {
            a = Architectures.named(name, inputShape, numClasses);
        } catch (ArchException e) {
            throw CliException.usage(e.getMessage());
        }
        if (a.stageBlocks() != null || a.blockScales() != null) {
            throw CliException.usage("architecture '" + name + "' has per-stage block counts or block scales, which"
                    + " sculptor.v1.ArchSpec cannot carry");
        }
        return EngineProto.arch(a);
    }

    /** The image shape of the datasets the services know by name. */
    static List<Integer> datasetShape(String uri) {
        String d = uri.toLowerCase(Locale.ROOT);
        if (d.equals("fashion-mnist")) {
            return Arrays.asList(1, 28, 28);
        }
        if (d.equals("cifar10") || d.startsWith("cifar10:")) {
            return Arrays.asList(3, 32, 32);
        }
        throw CliException.usage("the input shape of dataset '" + uri + "' is not known here: give --input-shape C,H,W");
    }

    static int datasetClasses(String uri) {
        String d = uri.toLowerCase(Locale.ROOT);
        if (d.equals("fashion-mnist") || d.equals("cifar10") || d.startsWith("cifar10:")) {
            return 10;
        }
        throw CliException.usage("the number of classes of dataset '" + uri + "' is not known here: give --num-classes N");
    }
}
