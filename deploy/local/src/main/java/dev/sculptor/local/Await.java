package dev.sculptor.local;

import dev.sculptor.local.LocalStack.StackException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** Waiting for a started component to become healthy, from outside its process. */
final class Await {
    private Await() {}

    /**
     * Waits until {@code check} passes and prints how long it took; fails fast when the process dies, and after
     * {@code timeout} otherwise, each time with the tail of the component's log.
     */
    static void healthy(Layout l, String component, long pid, Supplier<String> check, Duration timeout, PrintWriter out) {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        Path log = l.log(component);
        while (true) {
            String problem = check.get();
            if (problem == null) {
                out.printf("  %-16s healthy (%.1f s)%n", component, (System.nanoTime() - t0) / 1e9);
                out.flush();
                return;
            }
            if (!Procs.isAlive(pid)) {
                throw new StackException(component + " exited during start (pid " + pid + "); see " + log
                        + LogTail.tail(log, 20, "\n    "));
            }
            if (System.nanoTime() > deadline) {
                throw new StackException(component + " did not become healthy within " + timeout.toSeconds() + " s (" + problem
                        + "); it is left running, see " + log + " (stop everything with: down)" + LogTail.tail(log, 20, "\n    "));
            }
            Procs.sleep(300);
        }
    }
}
