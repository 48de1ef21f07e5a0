package dev.sculptor.local;

import dev.sculptor.embedded.PostgresServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.OptionalLong;

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
        OptionalLong postmaster = PostgresServer.postmasterPid(l.postgresData());
        if (postmaster.isEmpty()) {
            return true;
        }
        long pid = postmaster.getAsLong();
        out.printf("  %-16s stopping a PostgreSQL server left behind (pid %d)%n", "postgres", pid);
        out.flush();
        return Procs.stop(pid, Procs.stopSignal(Infrastructure.POSTGRES), Duration.ofSeconds(20));
    }
}
