package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A busy port is a one-line error naming the port and the component, before anything is started. */
class PortsTest {
    @TempDir
    Path tmp;

    record Result(int rc, String out, String err) {}

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LocalStack.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new Result(rc, out.toString(), err.toString());
    }

    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    private String[] upArgs(Path state, int kafka, int ctl, int s3, int pg, int base) throws IOException {
        Path services = tmp.resolve("services.properties");
        Files.writeString(services, "services=\n");
        return new String[] {"up", "--state-dir", state.toString(), "--services", services.toString(),
            "--kafka-port", Integer.toString(kafka), "--kafka-controller-port", Integer.toString(ctl),
            "--s3-port", Integer.toString(s3), "--postgres-port", Integer.toString(pg), "--port-base", Integer.toString(base),
            "--timeout", "5"};
    }

    @Test
    void busyPortIsAClearOneLineErrorAndNothingStarts() throws Exception {
        int[] p = freePorts(4);
        Path state = tmp.resolve("state");
        try (ServerSocket stranger = new ServerSocket()) {
            stranger.bind(new InetSocketAddress("127.0.0.1", 0));
            int busy = stranger.getLocalPort();
            Result r = run(upArgs(state, p[0], p[1], p[2], busy, p[3]));
            assertEquals(LocalStack.USAGE, r.rc(), r.out() + r.err());
            List<String> lines = r.err().lines().toList();
            assertEquals(1, lines.size(), r.err());
            assertEquals("sculptor local: port " + busy + " (postgres) is already in use by another process; "
                    + "stop it or choose another port with --postgres-port", lines.get(0));
            assertFalse(r.out().contains("started"), r.out());
        }
        assertNothingStarted(state);
    }

    @Test
    void busyKafkaPortNamesKafka() throws Exception {
        int[] p = freePorts(4);
        Path state = tmp.resolve("state2");
        try (ServerSocket stranger = new ServerSocket()) {
            stranger.bind(new InetSocketAddress("127.0.0.1", 0));
            int busy = stranger.getLocalPort();
            Result r = run(upArgs(state, busy, p[0], p[1], p[2], p[3]));
            assertEquals(LocalStack.USAGE, r.rc(), r.out() + r.err());
            assertTrue(r.err().strip().matches("sculptor local: port " + busy + " \\(kafka\\) is already in use.*--kafka-port"), r.err());
        }
        assertNothingStarted(state);
    }

    @Test
    void twoComponentsOnOnePortIsAnError() throws Exception {
        int[] p = freePorts(4);
        Path state = tmp.resolve("state3");
        Result r = run(upArgs(state, p[0], p[1], p[2], p[2], p[3]));
        assertEquals(LocalStack.USAGE, r.rc(), r.out() + r.err());
        assertTrue(r.err().contains("port " + p[2] + " is given to both s3 and postgres"), r.err());
        assertNothingStarted(state);
    }

    @Test
    void statusAndDownOnAnEmptyStateAreHarmless() {
        Path state = tmp.resolve("nothing");
        Result status = run("status", "--state-dir", state.toString(), "--services", tmp.resolve("none.properties").toString());
        assertEquals(LocalStack.NOT_RUNNING, status.rc(), status.err());
        assertTrue(status.out().lines().anyMatch(l -> l.trim().startsWith("kafka") && l.contains("stopped")), status.out());
        Result down = run("down", "--state-dir", state.toString());
        assertEquals(0, down.rc(), down.err());
        assertFalse(Files.exists(state));
    }

    private static void assertNothingStarted(Path state) throws IOException {
        Path pids = state.resolve("pids");
        if (Files.isDirectory(pids)) {
            try (var s = Files.list(pids)) {
                assertEquals(List.of(), s.toList());
            }
        }
        Layout l = Layout.existing(state);
        for (String c : Infrastructure.COMPONENTS) {
            assertTrue(Procs.scan(l, c).isEmpty(), c + " was started");
        }
    }
}
