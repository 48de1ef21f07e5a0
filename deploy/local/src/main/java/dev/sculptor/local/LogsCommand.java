package dev.sculptor.local;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code logs}: the tail of one component's log, or of all of them, optionally followed. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print the tail of a component's log (all logs without a component).")
final class LogsCommand implements Callable<Integer> {
    @Mixin StackOptions options;
    @Spec CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "COMPONENT", description = "kafka, s3, postgres or a service name.")
    String component;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines (Ctrl-C stops).")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50", description = "Lines to show (default ${DEFAULT-VALUE}).")
    int lines;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Layout l = Layout.existing(options.stateDir());
        List<String> names = l.logComponents();
        List<String> chosen;
        if (component != null) {
            if (!names.contains(component)) {
                throw new IllegalArgumentException("no log for '" + component + "' in " + l.logs()
                        + (names.isEmpty() ? "" : " (there are: " + String.join(", ", names) + ")"));
            }
            chosen = List.of(component);
        } else {
            if (names.isEmpty()) {
                out.println("sculptor local: no logs yet in " + l.logs());
                return LocalStack.OK;
            }
            chosen = names;
        }
        LogTail.print(out, l, chosen, lines, follow);
        return LocalStack.OK;
    }
}
