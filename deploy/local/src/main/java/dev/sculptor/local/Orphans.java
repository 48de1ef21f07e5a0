package dev.sculptor.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Processes of the stack that outlived the process that owned them. PostgreSQL runs as a grandchild of its Serve
 * process (pg_ctl daemonizes it): when that process was killed hard, the server lives on, holding the data directory
 * and the port.
 */
final class Orphans {
    private Orphans() {}

    /**
     * Finds a PostgreSQL server through postmaster.pid, checks that it serves this stack's data directory, and stops it
     * (fast shutdown, then SIGKILL). Returns false only when one was found and would not stop.
     */
    static boolean stopPostgres(Layout l, PrintWriter out) {
        Path pm = l.postgresData().resolve("postmaster.pid");
        if (!Files.isRegularFile(pm)) {
            return true;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pm).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return true;
        }
        List<String> args = Procs.cmdline(pid);
        if (args == null || !String.join(" ", args).contains(l.postgresData().toString())) {
            return true;
        }
        out.printf("  %-16s stopping a PostgreSQL server left behind (pid %d)%n", "postgres", pid);
        out.flush();
        Procs.signal(pid, "INT");
        if (Procs.waitGone(pid, Duration.ofSeconds(20))) {
            return true;
        }
        Procs.signal(pid, "KILL");
        return Procs.waitGone(pid, Duration.ofSeconds(5));
    }
}
