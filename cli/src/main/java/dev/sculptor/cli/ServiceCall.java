package dev.sculptor.cli;

import com.google.protobuf.MessageOrBuilder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What every command that calls one service takes: the token and the output form, and (declared by each group's
 * subclass, whose help names the service) {@code --endpoint}. The endpoint is resolved by {@link Endpoints} after
 * {@link #before()} has checked the command line, so a wrong command line never needs a running service.
 */
abstract class ServiceCall implements Callable<Integer>, Targeted {
    /**
     * A command that only reads: against the local stack it sends the stack's read token (least privilege), the others
     * its admin token.
     */
    interface Reads {}

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Set by the subclass's {@code --endpoint} option. */
    String endpoint;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token (default: $SCULPTOR_TOKEN, else the local stack's read token for reads, its admin "
                    + "token for the rest).")
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

    /** The API's message as protobuf JSON with {@code --json}, else what {@code text} prints for people. */
    void print(MessageOrBuilder message, Consumer<PrintWriter> text) {
        if (json) {
            Output.printJson(out(), message);
        } else {
            text.accept(out());
        }
    }

    /**
     * After a create: with {@code --watch}, {@code created <name>} (not with {@code --json}) and then {@code follow};
     * without, the name (with {@code --json}, the message).
     */
    void created(MessageOrBuilder message, String name, boolean watch, Runnable follow) {
        if (!watch) {
            print(message, out -> out.println(name));
            return;
        }
        if (!json) {
            out().println("created " + name);
        }
        follow.run();
    }

    SculptorCli root() {
        return (SculptorCli) spec.root().userObject();
    }

    @Override
    public final Integer call() throws Exception {
        before();
        SculptorCli root = root();
        target = Endpoints.resolve(service(), "--endpoint", endpoint, token, root.env, root.codeSource,
                this instanceof Reads ? Endpoints.READ : Endpoints.ADMIN);
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
