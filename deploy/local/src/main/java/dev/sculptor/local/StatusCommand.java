package dev.sculptor.local;

import dev.sculptor.local.StatusReport.ComponentStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code status}: each component's state as a table, as JSON, or only as the exit status. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show each component: running or stopped, pid, port, health. Exit 0 when Kafka, S3 and PostgreSQL "
                + "are healthy, else 3.",
                "--json prints the same as one JSON object (stable field names) for programs; --require makes the exit "
                + "status answer whether the named components are running and healthy."})
final class StatusCommand implements Callable<Integer> {
    @Mixin StackOptions options;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: {stateDir, infraHealthy, components: [{component, state, "
            + "running, pid, port, health, healthy, problem}], endpointsFile, adminTokenFile, tokenFiles: {admin, write, read}}.")
    boolean json;

    @Option(names = "--require", paramLabel = "COMPONENT", split = ",",
            description = "Exit 0 only when each of these components is running and healthy, else 3 "
                    + "(e.g. --require model-registry,training,pruning). Without it: Kafka, S3 and PostgreSQL.")
    List<String> require;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing; only the exit status answers.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Layout l = Layout.existing(options.stateDir());
        List<ComponentStatus> rows = StatusReport.collect(l, options.services());
        boolean ok = StatusReport.healthy(rows, require != null && !require.isEmpty() ? require : Infrastructure.COMPONENTS);
        if (!quiet) {
            if (json) {
                out.println(StatusReport.json(l, rows));
            } else {
                StatusReport.printTable(out, l, rows);
            }
            out.flush();
        }
        return ok ? LocalStack.OK : LocalStack.NOT_RUNNING;
    }
}
