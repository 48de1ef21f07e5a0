package dev.sculptor.engine.cli;

import dev.sculptor.engine.numerics.Numerics;
import dev.sculptor.engine.numerics.Numerics.Decision;
import dev.sculptor.engine.numerics.Numerics.Trial;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./sculptor doctor}: whether this machine's kernels compute right, and the configuration chosen. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check libtorch's kernels on this machine against references computed another way (once per machine,"
                + " cached) and print the CPU, what was found and the configuration every command and service uses."
                + " Exit code 3 when no configuration computes right.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--recheck", description = "check again even if this machine's verdict is cached")
    boolean recheck;

    @Override
    public Integer call() {
        Decision d = recheck ? Numerics.recheck() : Numerics.decision();
        System.out.println("machine:  " + d.machine());
        for (Trial t : d.trials()) {
            System.out.println("checked:  " + t.config() + " " + t.summary());
        }
        System.out.println("verdict:  " + d.source());
        System.out.println(d.line());
        if (d.refused()) {
            System.err.println("sculptor doctor: " + d.refusal());
            return 3;
        }
        return 0;
    }
}
