package dev.sculptor.local;

import dev.sculptor.embedded.KafkaBroker;
import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.Readiness;
import dev.sculptor.embedded.Serve;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Kafka, S3 and PostgreSQL of the stack: each the embedded library's part run as a background JVM of its own
 * ({@link Serve}) on the state directory, and how each is asked whether it is healthy.
 */
class Infrastructure {
    /** The infrastructure's components, in the order status reports them. */
    static final String POSTGRES = "postgres";
    static final List<String> COMPONENTS = List.of("kafka", "s3", POSTGRES);
    static final String BUCKET = "sculptor";
    static final String S3_ACCESS_KEY = "sculptor";
    /** Databases created even when no service names them. */
    static final List<String> DEFAULT_DATABASES = List.of("registry", "pruning");

    private final Layout l;
    private final String classpath;
    private final PrintWriter out;

    Infrastructure(Layout l, String classpath, PrintWriter out) {
        this.l = l;
        this.classpath = classpath;
        this.out = out;
    }

    /** Partitions of the topics the local broker auto-creates: those of the services' default. */
    static final int TOPIC_PARTITIONS = 3;

    long startKafka(int port, int controllerPort) throws IOException {
        Path data = l.kafka().resolve("data");
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--data", data.toString(),
                // as many as the services give the topics they create (sculptor.topics.partitions), for any other topic
                "--partitions", Integer.toString(TOPIC_PARTITIONS)));
        if (!KafkaBroker.formatted(data)) {
            // The cluster id outlives a formatting that did not finish, so a retry formats the same cluster.
            Path idFile = l.kafka().resolve("cluster.id");
            String clusterId = Files.isRegularFile(idFile) ? Files.readString(idFile).trim() : Uuid.randomUuid().toString();
            Layout.writeAtomically(idFile, clusterId + "\n");
            out.printf("  %-16s formatting storage (cluster id %s)%n", "kafka", clusterId);
            out.flush();
            args.addAll(List.of("--cluster-id", clusterId));
        }
        return spawn("kafka", command(l, classpath, "kafka", "192m", List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info"), args),
                l.kafka());
    }

    long startS3(int port) throws IOException {
        return spawn("s3", command(l, classpath, "s3", "128m", List.of("-XX:TieredStopAtLevel=1"), List.of(
                "--port", Integer.toString(port), "--data", l.s3().resolve("data").toString(), "--access-key", S3_ACCESS_KEY,
                "--secret-file", l.s3CredentialFile().toString(), "--bucket", BUCKET)), l.s3());
    }

    /** The superuser's password goes by its file (secrets/postgres.password), as the S3 secret does. */
    long startPostgres(int port) throws IOException {
        Files.deleteIfExists(l.postgresReady());
        // The first start extracts zonky's 14 MB .txz (55 MB unpacked): it needs at least 97 MB of heap with the serial
        // collector (the archive is held twice in memory, plus the largest file, 27 MB); 96 MB ran out. Twice that.
        return spawn("postgres", command(l, classpath, "postgres", "192m", List.of("-XX:TieredStopAtLevel=1"), List.of(
                "--port", Integer.toString(port), "--data", l.postgresData().toString(),
                "--binaries", l.postgresBinaries().toString(), "--password-file", l.postgresPasswordFile().toString(),
                "--ready", l.postgresReady().toString())), l.postgres());
    }

    /** Starts one part in the background (overridden by a test that only looks at the commands). */
    long spawn(String component, List<String> command, Path workDir) throws IOException {
        long pid = Procs.spawn(l, component, command, Map.of(), workDir);
        out.printf("  %-16s started (pid %d, log %s)%n", component, pid, l.log(component));
        out.flush();
        return pid;
    }

    /** {@code java ... dev.sculptor.embedded.Serve <part> <args>}, tagged as this stack's component. */
    static List<String> command(Layout l, String classpath, String part, String xmx, List<String> jvmFlags, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Procs.java(), "-Xmx" + xmx, "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                l.stateMarker(), Layout.componentMarker(part), l.tmpDirFlag(),
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                // S3Proxy routes System.err into SLF4J: a logger writing to System.err would recurse.
                "-Dorg.slf4j.simpleLogger.logFile=System.out",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", classpath, Serve.class.getName(), part));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Null when the component answers its clients, else why not. PostgreSQL counts only once its Serve process wrote
     * the ready marker, so that a server still starting up is not mistaken for the one up asked for. Each part is asked
     * with the secret its clients use: {@code s3SecretKey} for S3, {@code postgresPassword} for PostgreSQL.
     */
    static String problem(Layout l, String component, PortPlan ports, String s3SecretKey, String postgresPassword,
            boolean starting) {
        return switch (component) {
            case "kafka" -> Readiness.kafka(Loopback.HOST + ":" + ports.kafka);
            // ready once the bucket is there: the services would otherwise race Serve to create it
            case "s3" -> Readiness.s3("http://" + Loopback.HOST + ":" + ports.s3, S3_ACCESS_KEY, s3SecretKey, BUCKET);
            case "postgres" -> starting && !Files.exists(l.postgresReady()) ? "PostgreSQL not ready yet"
                    : Readiness.postgres(ports.postgres, postgresPassword);
            default -> throw new IllegalArgumentException("not infrastructure: " + component);
        };
    }
}
