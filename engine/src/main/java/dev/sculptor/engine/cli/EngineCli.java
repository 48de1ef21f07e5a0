package dev.sculptor.engine.cli;

import dev.sculptor.engine.arch.ArchException;
import dev.sculptor.engine.checkpoint.CheckpointException;
import dev.sculptor.engine.data.DataException;
import dev.sculptor.engine.numerics.NumericsException;
import dev.sculptor.engine.train.TrainingException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./sculptor engine ...}: the pruning engine on this machine, one step or the whole experiment. */
@Command(name = "sculptor engine", mixinStandardHelpOptions = true, version = "sculptor engine 0.1",
        description = "Architectures, training, pruning and the 'Rethinking the Value of Network Pruning' experiment.",
        subcommands = {ArchCommand.class, TrainCommand.class, PruneCommand.class, RetrainCommand.class,
            EvalCommand.class, RethinkCommand.class, BenchCommand.class, DoctorCommand.class})
public final class EngineCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line; bad input is one line on stderr and exit code 2. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new EngineCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ArchException || e instanceof DataException || e instanceof CheckpointException
                    || e instanceof TrainingException || e instanceof NumericsException || e instanceof IllegalArgumentException
                    || e instanceof java.io.UncheckedIOException) {
                cmd.getErr().println("sculptor engine: error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        cl.setErr(new PrintWriter(System.err, true));
        return cl.execute(args);
    }
}
