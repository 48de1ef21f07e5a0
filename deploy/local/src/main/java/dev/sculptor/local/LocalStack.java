package dev.sculptor.local;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The embedded default stack: Kafka (KRaft), an S3 server (S3Proxy), PostgreSQL (zonky) and every service built so
 * far, each a separate background process on 127.0.0.1, with all data under one state directory.
 *
 * <p>Run as {@code java -cp deploy/local/target/sculptor-local-stack.jar:deploy/local/target/lib/* \
 * dev.sculptor.local.LocalStack up|down|status|logs}. Each subcommand is a class of its own ({@link UpCommand},
 * {@link DownCommand}, {@link StatusCommand}, {@link LogsCommand}); this one only names them and maps failures to
 * exit codes.
 */
@Command(name = "sculptor-local", mixinStandardHelpOptions = true, version = "sculptor local stack 0.1.0",
        description = "The embedded local stack: Kafka, an S3 server, PostgreSQL and the Sculptor services on 127.0.0.1.",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, LogsCommand.class})
public final class LocalStack implements Runnable {
    /** Exit codes. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NOT_RUNNING = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        quietLaunchLogging();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LocalStack());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sculptor local: " + (e instanceof IllegalArgumentException || e instanceof StackException
                    ? e.getMessage() : e.toString()));
            return e instanceof IllegalArgumentException ? USAGE : FAILED;
        });
        return cl;
    }

    /** The launcher talks to Kafka, S3 and PostgreSQL with their clients; their retries are not news. */
    static void quietLaunchLogging() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka",
                System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error"));
    }

    /** A failure with a message meant for people (one line first, details after). */
    static final class StackException extends RuntimeException {
        StackException(String message) {
            super(message);
        }
    }
}
