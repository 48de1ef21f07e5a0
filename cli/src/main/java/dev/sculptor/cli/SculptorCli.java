package dev.sculptor.cli;

import dev.sculptor.engine.checkpoint.CheckpointException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./sculptor models|jobs|triggers|runs|demo ...}: the platform's services for people, over gRPC.
 *
 * <p>Exit codes: 0 done; 1 the command failed (one line on stderr, {@code sculptor: CODE: message} for an error
 * a service returned; a watched job or run that did not succeed); 2 the command line is wrong.
 */
@Command(name = "sculptor", mixinStandardHelpOptions = true, version = "sculptor 0.1.0",
        description = "Sculptor, a pruning platform for convolutional networks.",
        subcommands = {ModelsCommand.class, JobsCommand.class, TriggersCommand.class, RunsCommand.class,
            DemoCommand.class})
public final class SculptorCli extends CommandGroup {
    /** Held so that the level set on it is not lost when the logger is collected. */
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    /** The environment the command sees (a map, so tests can give their own). */
    final Map<String, String> env;
    /** Where this code runs from (the jar, or target/classes): the repository, hence the local stack, is found from it. */
    final Path codeSource;

    SculptorCli(Map<String, String> env, Path codeSource) {
        this.env = env;
        this.codeSource = codeSource;
    }

    public static void main(String[] args) {
        // grpc-java logs connection trouble through java.util.logging; the error line says it all.
        GRPC_LOG.setLevel(Level.SEVERE);
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int rc = execute(System.getenv(), codeSource(), out, err, args);
        out.flush();
        err.flush();
        System.exit(rc);
    }

    /** Runs one command line; returns the exit code. */
    static int execute(Map<String, String> env, Path codeSource, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new SculptorCli(env, codeSource));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(Errors.PREFIX + Errors.oneLine(ex.getMessage()) + " (" + helpHint(c) + ")");
            c.getErr().flush();
            return CliException.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            int code = ex instanceof CliException ce ? ce.code() : CliException.FAILURE;
            Endpoints.Target target = c.getCommand() instanceof Targeted call ? call.target() : null;
            String line = Errors.message(ex, target);
            if (ex instanceof CliException ce && ce.code() == CliException.USAGE) {
                line += " (" + helpHint(c) + ")";
            }
            c.getErr().println(Errors.PREFIX + line);
            if (env.containsKey("SCULPTOR_DEBUG") && !(ex instanceof CliException || ex instanceof CheckpointException)) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return code;
        });
        int rc = cl.execute(args);
        out.flush();
        return rc;
    }

    private static String helpHint(CommandLine c) {
        return "see ./" + c.getCommandSpec().qualifiedName() + " --help";
    }

    static Path codeSource() {
        try {
            return Path.of(SculptorCli.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
