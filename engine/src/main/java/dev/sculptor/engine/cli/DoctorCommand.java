package dev.sculptor.engine.cli;

import dev.sculptor.engine.numerics.Numerics;
import dev.sculptor.engine.numerics.Numerics.Decision;
import dev.sculptor.engine.numerics.Numerics.Trial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./sculptor doctor}: whether this machine's kernels compute right, and the configuration chosen. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check libtorch's kernels on this machine against references computed another way (once per machine,"
                + " cached) and print the CPU, what was found and the configuration every command and service uses."
                + " When no configuration is exact, also try oneDNN's instruction-set caps in child processes and say"
                + " which one to set. Exit code 3 when this process's configuration is refused.")
final class DoctorCommand implements Callable<Integer> {
    /** oneDNN's caps, widest first; SSE41 was the one right everywhere on the machine that showed the defect. */
    static final List<String> ISA_CAPS = List.of("AVX2", "SSE41");

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
        if (!d.refused()) {
            return 0;
        }
        System.err.println("sculptor doctor: " + d.refusal());
        if (System.getenv("ONEDNN_MAX_CPU_ISA") == null) {
            Optional<String> cap = ISA_CAPS.stream().filter(this::exactWithCap).findFirst();
            System.out.println(cap.map(c -> "with ONEDNN_MAX_CPU_ISA=" + c + " the kernels are exact: export ONEDNN_MAX_CPU_ISA=" + c
                    + " before ./sculptor (the local stack passes it on to every service), then ./sculptor doctor")
                    .orElse("no oneDNN instruction-set cap (" + String.join(", ", ISA_CAPS) + ") made the kernels exact"));
        }
        return 3;
    }

    /**
     * Runs this command again in a child JVM with the cap in its environment (oneDNN reads it once, at start); exact
     * when it exits 0. Its verdict is cached under its own key, so exporting the cap later finds it.
     */
    private boolean exactWithCap(String cap) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EngineCli.class.getName(), "doctor"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ONEDNN_MAX_CPU_ISA", cap);
        System.out.println("trying:   ONEDNN_MAX_CPU_ISA=" + cap + " in a child process ...");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            out.lines().filter(l -> l.startsWith("numerics:")).forEach(l -> System.out.println("          " + l));
            return rc == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM to try ONEDNN_MAX_CPU_ISA=" + cap, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
