package dev.sculptor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Runs the CLI in this JVM with a given environment and captures its output. */
final class CliRunner {
    record Result(int rc, String out, String err) {
        @Override
        public String toString() {
            return "rc=" + rc + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        /** Exit 2 with one line on stderr, {@code sculptor: ... (see ./sculptor ... --help)}. */
        void assertUsageError(String... args) {
            assertEquals(2, rc, String.join(" ", args) + "\n" + this);
            assertEquals(1, err.lines().count(), String.join(" ", args) + "\n" + this);
            assertTrue(err.startsWith("sculptor: "), toString());
            assertTrue(err.strip().endsWith("--help)"), toString());
        }
    }

    private final Map<String, String> env;
    private final Path codeSource;

    CliRunner(Map<String, String> env, Path codeSource) {
        this.env = env;
        this.codeSource = codeSource;
    }

    /** A runner whose {@code SCULPTOR_HOME} is {@code tmp/home}: the local stack's endpoints.json, if any, is there. */
    static CliRunner home(Path tmp) {
        return new CliRunner(Map.of("SCULPTOR_HOME", tmp.resolve("home").toString()), tmp);
    }

    /** The object of the command the arguments name, its fields set from them; nothing runs. */
    static Object parse(Path codeSource, String... args) {
        ParseResult r = new CommandLine(new SculptorCli(Map.of(), codeSource)).parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return r.commandSpec().userObject();
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = SculptorCli.execute(env, codeSource, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(rc, out.toString(), err.toString());
    }
}
