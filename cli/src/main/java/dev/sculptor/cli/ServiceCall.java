package dev.sculptor.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What every command that calls one service takes: the token and the output form, and (declared by each group's
 * subclass, whose help names the service) {@code --endpoint}. The endpoint is resolved by {@link Endpoints} after
 * {@link #before()} has checked the command line, so a wrong command line never needs a running service.
 */
abstract class ServiceCall implements Callable<Integer>, Targeted {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Set by the subclass's {@code --endpoint} option. */
    String endpoint;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token (default: $SCULPTOR_TOKEN, else the local stack's admin token).")
    String token;

    @Option(names = "--json", description = "Print the API's messages as protobuf JSON.")
    boolean json;

    private Endpoints.Target target;

    /** The service's name in endpoints.json, e.g. {@code pruning}. */
    abstract String service();

    @Override
    public Endpoints.Target target() {
        return target;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    SculptorCli root() {
        return (SculptorCli) spec.root().userObject();
    }

    @Override
    public final Integer call() throws Exception {
        before();
        SculptorCli root = root();
        target = Endpoints.resolve(service(), "--endpoint", endpoint, token, root.env, root.codeSource);
        try (Connection connection = new Connection(target)) {
            run(connection);
        }
        out().flush();
        return 0;
    }

    /** Local checks that need no service (run before the endpoint is resolved); usage errors exit 2. */
    void before() {}

    /** The call itself; a {@link CliException} or a gRPC error ends the command with exit 1. */
    abstract void run(Connection connection) throws Exception;
}
