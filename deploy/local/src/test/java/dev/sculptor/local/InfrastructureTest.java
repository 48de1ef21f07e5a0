package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfrastructureTest {
    @TempDir
    Path tmp;

    @Test
    void eachPartIsTheLibrarysServeTaggedAsThisStacksComponent() {
        Layout l = new Layout(tmp);
        List<String> cmd = Infrastructure.command(l, "lib/*", "s3", "128m", List.of("-XX:TieredStopAtLevel=1"),
                List.of("--port", "19000"));
        assertEquals(List.of(Procs.java(), "-Xmx128m"), cmd.subList(0, 2));
        assertTrue(cmd.contains(l.stateMarker()) && cmd.contains(Layout.componentMarker("s3")), cmd.toString());
        assertTrue(cmd.contains("-Djava.io.tmpdir=" + tmp.resolve("tmp")), cmd.toString());
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-cp", "lib/*", "dev.sculptor.embedded.Serve", "s3", "--port", "19000"),
                cmd.subList(cmd.size() - 7, cmd.size()));
    }

    @Test
    void postgresIsNotHealthyDuringUpUntilItsServeProcessSaysReady() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        PortPlan ports = PortPlan.saved(new Properties(), List.of());
        assertEquals("PostgreSQL not ready yet", Infrastructure.problem(l, "postgres", ports, "", true));
        Files.writeString(l.postgresReady(), "1\n");
        // Past the marker the server itself is asked (nothing listens on the default port in this test).
        String problem = Infrastructure.problem(l, "postgres", ports, "", true);
        assertTrue(problem.startsWith("nothing listens on") || problem.startsWith("JDBC"), problem);
    }
}
