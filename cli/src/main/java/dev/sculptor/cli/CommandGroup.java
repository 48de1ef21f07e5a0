package dev.sculptor.cli;

import picocli.CommandLine;

/** A group of subcommands ({@code models}, {@code jobs}, ...): given alone, it prints its usage and exits 0. */
abstract class CommandGroup implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
