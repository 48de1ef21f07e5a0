package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sculptor.embedded.S3Server;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    void theInfrastructuresCommandLinesCarryNoSecretOnlyWhereTheS3SecretAndTheDatabasePasswordAreKept() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        String secret = Secrets.s3SecretKey(l);
        String password = Secrets.postgresPassword(l);
        List<List<String>> started = new ArrayList<>();
        // Spawning is what the test stands in for: the commands are recorded, nothing starts.
        Infrastructure infra = new Infrastructure(l, "lib/*", new PrintWriter(new StringWriter())) {
            @Override
            long spawn(String component, List<String> command, Path workDir) {
                started.add(command);
                return 1;
            }
        };
        infra.startS3(19000);
        infra.startPostgres(15432);
        infra.startKafka(19092, 19093);
        assertEquals(3, started.size());
        for (List<String> cmd : started) {
            assertFalse(String.join(" ", cmd).contains(secret), cmd.toString());
            assertFalse(String.join(" ", cmd).contains(password), cmd.toString());
        }
        List<String> s3 = started.get(0);
        assertEquals(l.s3CredentialFile().toString(), s3.get(s3.indexOf("--secret-file") + 1));
        List<String> pg = started.get(1);
        assertEquals(l.postgresPasswordFile().toString(), pg.get(pg.indexOf("--password-file") + 1));
        List<String> kafka = started.get(2);
        assertEquals("3", kafka.get(kafka.indexOf("--partitions") + 1), "the local broker auto-creates topics as the services do");
    }

    @Test
    void postgresIsNotHealthyDuringUpUntilItsServeProcessSaysReady() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        PortPlan ports = PortPlan.saved(new Properties(), List.of());
        assertEquals("PostgreSQL not ready yet", Infrastructure.problem(l, "postgres", ports, "", "", true));
        Files.writeString(l.postgresReady(), "1\n");
        // Past the marker the server itself is asked (nothing listens on the default port in this test).
        String problem = Infrastructure.problem(l, "postgres", ports, "", "", true);
        assertTrue(problem.startsWith("nothing listens on") || problem.startsWith("JDBC"), problem);
    }

    /** S3 counts as healthy once the stack's bucket exists, not once the server answers: the services expect the bucket. */
    @Test
    void s3IsNotHealthyUntilTheBucketExists() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        try (S3Server s3 = S3Server.start(new S3Server.Config(0, tmp.resolve("s3"), Infrastructure.S3_ACCESS_KEY, "secret"))) {
            Properties saved = new Properties();
            saved.setProperty("s3.port", Integer.toString(s3.port()));
            PortPlan ports = PortPlan.saved(saved, List.of());
            assertEquals("bucket " + Infrastructure.BUCKET + " does not exist yet", Infrastructure.problem(l, "s3", ports, "secret", "", true));
            s3.createBucket(Infrastructure.BUCKET);
            assertNull(Infrastructure.problem(l, "s3", ports, "secret", "", true));
        }
    }
}
