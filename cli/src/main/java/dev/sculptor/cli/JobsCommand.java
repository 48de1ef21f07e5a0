package dev.sculptor.cli;

import dev.sculptor.api.v1.CancelPruneJobRequest;
import dev.sculptor.api.v1.CreatePruneJobRequest;
import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.ListPruneJobsRequest;
import dev.sculptor.api.v1.ListPruneJobsResponse;
import dev.sculptor.api.v1.PruneJob;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sculptor jobs ...}: prune jobs (score, prune, retrain, evaluate, register) on the pruning service. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = {"Prune jobs on the pruning service over gRPC.",
            "",
            "Endpoint: --endpoint, else $SCULPTOR_PRUNING_ENDPOINT, else the local stack's endpoints.json. Token: --token,"
                + " else $SCULPTOR_TOKEN, else the local stack's token file (read for reads, admin otherwise).",
            "Jobs: pruneJobs/<id> or <id>."},
        subcommands = {JobsCommand.Create.class, JobsCommand.Get.class, JobsCommand.ListJobs.class, JobsCommand.WatchCmd.class,
            JobsCommand.Cancel.class})
final class JobsCommand extends CommandGroup {
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Start a prune job on a model version: prune it, retrain it in each --retrain mode, evaluate,"
                + " and register the results with lineage. Prints the job's name (with --watch, follows it to the end)."})
    static final class Create extends PruningCall {
        @Option(names = "--model-version", required = true, paramLabel = "VERSION",
                description = "The version to prune: models/<m>/versions/<n>, <m>/<n> or <m>/<alias>.")
        String modelVersion;

        @Mixin
        Options.Template template;

        @Option(names = "--id", paramLabel = "ID", description = "The job's id, [a-z][a-z0-9-]{0,62} (default: the service picks one).")
        String id;

        @Option(names = "--request-id", paramLabel = "UUID", description = "Makes a retried create return the job the first one started.")
        String requestId;

        @Option(names = "--watch", description = "Follow the job to its end (as jobs watch); exit 1 unless it SUCCEEDED.")
        boolean watch;

        private CreatePruneJobRequest request;

        /** The request this command line sends; usage errors for anything wrong in it. */
        CreatePruneJobRequest request() {
            PruneJob.Builder job = template.job().setModelVersion(Names.version(modelVersion));
            CreatePruneJobRequest.Builder r = CreatePruneJobRequest.newBuilder().setPruneJob(job);
            if (id != null) {
                r.setPruneJobId(id);
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
            PruneJob job = pruning(c).createPruneJob(request);
            created(job, job.getName(), watch, () -> finish(this, Watch.job(c, job.getName(), out(), clock, json)));
        }
    }

    /** A command on one prune job, named by its argument. */
    abstract static class OneJob extends PruningCall {
        @Parameters(index = "0", paramLabel = "<job>", description = "pruneJobs/<id> or <id>.")
        String name;

        @Override
        void before() {
            Names.job(name);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a prune job and its results so far.")
    static final class Get extends OneJob implements ServiceCall.Reads {
        @Override
        void run(Connection c) {
            PruneJob j = pruning(c).getPruneJob(GetPruneJobRequest.newBuilder().setName(Names.job(name)).build());
            print(j, out -> WorkOutput.job(out, j));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List prune jobs, newest first (every page).")
    static final class ListJobs extends PruningCall implements ServiceCall.Reads {
        @Option(names = "--filter", paramLabel = "FILTER",
                description = "AIP-160 filter on state, model_version, target_model, method.method, reprune_trigger,"
                        + " e.g. 'state = TRAINING'.")
        String filter;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0", description = "Jobs per request (default: the service's, 50).")
        int pageSize;

        @Override
        void before() {
            Options.atLeast("--page-size", pageSize, 0);
        }

        @Override
        void run(Connection c) {
            ListPruneJobsRequest.Builder r = ListPruneJobsRequest.newBuilder().setPageSize(pageSize);
            if (filter != null) {
                r.setFilter(filter);
            }
            List<PruneJob> jobs = Pages.all(SERVICE, t -> pruning(c).listPruneJobs(r.setPageToken(t).build()),
                    ListPruneJobsResponse::getNextPageToken, ListPruneJobsResponse::getPruneJobsList);
            print(ListPruneJobsResponse.newBuilder().addAllPruneJobs(jobs).build(), out -> WorkOutput.jobs(out, jobs));
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Follow a prune job: one line per change of state and per training progress report, then the"
                + " results table. Exit 0 when it SUCCEEDED, else 1.",
                "With --json, one JSON object per event (JSON Lines) and no table."})
    static final class WatchCmd extends OneJob implements ServiceCall.Reads {
        @Override
        void run(Connection c) {
            finish(this, Watch.job(c, Names.job(name), out(), new Watch.Clock(), json));
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a prune job that has not ended; its training runs are cancelled too.")
    static final class Cancel extends OneJob {
        @Override
        void run(Connection c) {
            PruneJob j = pruning(c).cancelPruneJob(CancelPruneJobRequest.newBuilder().setName(Names.job(name)).build());
            print(j, out -> out.println(WorkOutput.jobLine(j)));
        }
    }

    /** After a watch: the results table; a job that did not succeed fails the command with its state message. */
    static void finish(ServiceCall call, PruneJob job) {
        if (!call.json) {
            call.out().println();
            Results.print(call.out(), job);
            call.out().flush();
        }
        succeeded(job);
    }

    /** A job that did not succeed fails the command with its state message. */
    static void succeeded(PruneJob job) {
        if (job.getState() != PruneJob.State.SUCCEEDED) {
            throw Watch.ended(job.getName(), job.getState(), job.getStateMessage());
        }
    }
}
