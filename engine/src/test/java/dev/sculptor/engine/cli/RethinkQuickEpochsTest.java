package dev.sculptor.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --quick}'s 3 epochs give way to an explicit {@code --epochs}, the option's default value included. */
class RethinkQuickEpochsTest {
    private static int epochs(String... args) {
        CommandLine cl = new CommandLine(new RethinkCommand());
        cl.parseArgs(args);
        return ((RethinkCommand) cl.getCommand()).baselineEpochs();
    }

    @Test
    void anExplicitEpochsWinsOverQuickEvenWhenItIsTheDefault() {
        assertEquals(RethinkCommand.QUICK_EPOCHS, epochs("--method", "l1", "--quick"));
        assertEquals(10, epochs("--method", "l1", "--quick", "--epochs", "10"));
        assertEquals(5, epochs("--method", "l1", "--quick", "--epochs", "5"));
        assertEquals(10, epochs("--method", "l1"), "without --quick, the option's default");
        assertEquals(7, epochs("--method", "l1", "--epochs=7"));
    }

    @Test
    void soAsASubcommandOfTheEngineCli() {
        CommandLine cl = new CommandLine(new EngineCli());
        cl.parseArgs("rethink", "--method", "l1", "--quick", "--epochs", "10");
        assertEquals(10, ((RethinkCommand) cl.getSubcommands().get("rethink").getCommand()).baselineEpochs());
        cl = new CommandLine(new EngineCli());
        cl.parseArgs("rethink", "--method", "l1", "--quick");
        assertEquals(RethinkCommand.QUICK_EPOCHS, ((RethinkCommand) cl.getSubcommands().get("rethink").getCommand())
                .baselineEpochs());
    }
}
