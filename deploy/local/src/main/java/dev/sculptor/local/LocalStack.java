package dev.sculptor.local;

import com.google.gson.GsonBuilder;
import dev.sculptor.local.ServiceDefs.Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The embedded default stack: Kafka (KRaft), an S3 server (S3Proxy), PostgreSQL (zonky) and every service built so
 * far, each a separate background process on 127.0.0.1, with all data under one state directory.
 *
 * <p>Run as {@code java -cp deploy/local/target/sculptor-local-stack.jar:deploy/local/target/lib/* \
 * dev.sculptor.local.LocalStack up|down|status|logs}.
 */
@Command(name = "sculptor-local", mixinStandardHelpOptions = true, version = "sculptor local stack 0.1.0",
        description = "The embedded local stack: Kafka, an S3 server, PostgreSQL and the Sculptor services on 127.0.0.1.",
        subcommands = {LocalStack.Up.class, LocalStack.Down.class, LocalStack.Status.class, LocalStack.Logs.class})
public final class LocalStack implements Runnable {
    static final List<String> INFRA = List.of("kafka", "s3", "postgres");
    static final int DEFAULT_KAFKA_PORT = 19092;
    static final int DEFAULT_S3_PORT = 19000;
    static final int DEFAULT_POSTGRES_PORT = 15432;
    static final int DEFAULT_PORT_BASE = 18081;
    static final String BUCKET = "sculptor";
    static final String S3_ACCESS_KEY = "sculptor";
    static final String PG_USER = "postgres";
    static final String PG_PASSWORD = "postgres";
    static final List<String> DEFAULT_DATABASES = List.of("registry", "pruning");

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

    /** Options every subcommand takes. */
    static final class Common {
        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "State directory (default: $SCULPTOR_HOME/local, else <repo>/.sculptor/local).")
        Path stateDir;

        @Option(names = "--repo", paramLabel = "DIR", description = "Repository root (default: found from this jar).")
        Path repo;

        @Option(names = "--services", paramLabel = "FILE",
                description = "Service definitions (default: <repo>/deploy/local/services.properties).")
        Path servicesFile;

        Path repo() {
            if (repo != null) {
                return repo.toAbsolutePath().normalize();
            }
            String env = System.getenv("SCULPTOR_ROOT");
            if (env != null && !env.isBlank()) {
                return Path.of(env).toAbsolutePath().normalize();
            }
            Path here = codeSource();
            for (Path p = here; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("deploy").resolve("local")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                    return p;
                }
            }
            return Path.of("").toAbsolutePath();
        }

        Path stateDir() {
            if (stateDir != null) {
                return stateDir.toAbsolutePath().normalize();
            }
            String home = System.getenv("SCULPTOR_HOME");
            if (home != null && !home.isBlank()) {
                return Path.of(home).toAbsolutePath().normalize().resolve("local");
            }
            return repo().resolve(".sculptor").resolve("local");
        }

        Path servicesFile() {
            return servicesFile != null ? servicesFile.toAbsolutePath().normalize()
                    : repo().resolve("deploy").resolve("local").resolve("services.properties");
        }

        List<Service> services() {
            try {
                return ServiceDefs.load(servicesFile(), repo());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Path codeSource() {
        try {
            return Path.of(LocalStack.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** Class path for the child JVMs: this jar and lib/ beside it, else (run from classes) this JVM's class path. */
    static String childClasspath() {
        String override = System.getProperty("sculptor.local.classpath");
        if (override != null && !override.isBlank()) {
            return override;
        }
        Path cs = codeSource();
        if (Files.isRegularFile(cs) && cs.toString().endsWith(".jar")) {
            Path lib = cs.getParent().resolve("lib");
            if (Files.isDirectory(lib)) {
                return cs + java.io.File.pathSeparator + lib + java.io.File.separator + "*";
            }
        }
        return System.getProperty("java.class.path");
    }

    static String djlCacheDir() {
        String env = System.getenv("DJL_CACHE_DIR");
        return env != null && !env.isBlank() ? env : Path.of(System.getProperty("user.home"), ".djl.ai").toString();
    }

    // ------------------------------------------------------------------------------------------------ up

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start Kafka, S3, PostgreSQL and every built service in the background (already running ones are kept).")
    static final class Up implements Callable<Integer> {
        @Mixin Common common;
        @Spec CommandSpec spec;

        @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka broker port (default " + DEFAULT_KAFKA_PORT + ").")
        Integer kafkaPort;

        @Option(names = "--kafka-controller-port", paramLabel = "PORT", description = "KRaft controller port (default: Kafka port + 1).")
        Integer kafkaControllerPort;

        @Option(names = "--s3-port", paramLabel = "PORT", description = "S3 port (default " + DEFAULT_S3_PORT + ").")
        Integer s3Port;

        @Option(names = "--postgres-port", paramLabel = "PORT", description = "PostgreSQL port (default " + DEFAULT_POSTGRES_PORT + ").")
        Integer postgresPort;

        @Option(names = "--port-base", paramLabel = "PORT",
                description = "First service port; each service listens on base + its port-offset (default " + DEFAULT_PORT_BASE + ").")
        Integer portBase;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
                description = "How long to wait for each component to become healthy (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            Path stateDir = common.stateDir();
            List<Service> services = common.services();
            Layout l = Layout.create(stateDir);
            try (var lock = l.lock(spec.commandLine().getOut())) {
                return up(l, services);
            }
        }

        private int up(Layout l, List<Service> services) throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Properties saved = l.loadStack();

            Map<String, OptionalLong> running = new LinkedHashMap<>();
            for (String c : INFRA) {
                running.put(c, Procs.running(l, c));
            }
            for (Service s : services) {
                running.put(s.name(), Procs.running(l, s.name()));
            }

            // Ports: an explicit flag, else the port a running component already has, else the default.
            List<String> errors = new ArrayList<>();
            int kafka = port(running, saved, errors, "kafka", "kafka.port", kafkaPort, DEFAULT_KAFKA_PORT, "--kafka-port");
            int kafkaCtl = port(running, saved, errors, "kafka", "kafka.controller-port", kafkaControllerPort,
                    kafkaPort != null ? kafkaPort + 1 : kafka + 1, "--kafka-controller-port");
            int s3 = port(running, saved, errors, "s3", "s3.port", s3Port, DEFAULT_S3_PORT, "--s3-port");
            int pg = port(running, saved, errors, "postgres", "postgres.port", postgresPort, DEFAULT_POSTGRES_PORT, "--postgres-port");
            int base = portBase != null ? portBase : services.stream().anyMatch(s -> running.get(s.name()).isPresent())
                    ? Integer.parseInt(saved.getProperty("services.port-base", Integer.toString(DEFAULT_PORT_BASE)))
                    : DEFAULT_PORT_BASE;
            Map<String, Integer> servicePorts = new LinkedHashMap<>();
            for (Service s : services) {
                servicePorts.put(s.name(), port(running, saved, errors, s.name(), "service." + s.name() + ".port",
                        portBase != null ? Integer.valueOf(portBase + s.portOffset()) : null, base + s.portOffset(), "--port-base"));
            }

            // A PostgreSQL server left behind by a killed PostgresMain holds our data directory and port: stop it.
            if (running.get("postgres").isEmpty()) {
                stopOrphanPostgres(l, out);
            }

            // Every port we are about to bind must be free, and no two components may share one.
            Map<Integer, String> claimed = new LinkedHashMap<>();
            claim(claimed, errors, kafka, "kafka", running, "--kafka-port");
            claim(claimed, errors, kafkaCtl, "kafka", running, "--kafka-controller-port");
            claim(claimed, errors, s3, "s3", running, "--s3-port");
            claim(claimed, errors, pg, "postgres", running, "--postgres-port");
            for (Service s : services) {
                if (Files.isRegularFile(s.jar()) || running.get(s.name()).isPresent()) {
                    claim(claimed, errors, servicePorts.get(s.name()), s.name(), running, "--port-base");
                }
            }
            if (!errors.isEmpty()) {
                errors.forEach(e -> err.println("sculptor local: " + e));
                err.flush();
                return USAGE;
            }

            Properties stack = new Properties();
            stack.setProperty("kafka.port", Integer.toString(kafka));
            stack.setProperty("kafka.controller-port", Integer.toString(kafkaCtl));
            stack.setProperty("s3.port", Integer.toString(s3));
            stack.setProperty("postgres.port", Integer.toString(pg));
            stack.setProperty("services.port-base", Integer.toString(base));
            servicePorts.forEach((n, p) -> stack.setProperty("service." + n + ".port", Integer.toString(p)));
            l.saveStack(stack);

            String adminToken = Layout.secret(l.adminTokenFile());
            String s3Secret = Layout.secret(l.s3CredentialFile());
            String cp = childClasspath();
            Set<String> databases = new LinkedHashSet<>(DEFAULT_DATABASES);
            services.stream().filter(s -> s.database() != null).forEach(s -> databases.add(s.database()));

            out.println("sculptor local: state " + l.state);
            out.flush();
            Map<String, Long> pids = new LinkedHashMap<>();
            Map<String, Long> startedAt = new LinkedHashMap<>();

            // Infrastructure: started side by side, then waited for one by one.
            if (running.get("s3").isEmpty()) {
                startS3(l, cp, s3, s3Secret, pids, out);
            } else {
                keep("s3", running, pids, out);
            }
            if (running.get("postgres").isEmpty()) {
                startPostgres(l, cp, pg, databases, pids, out);
            } else {
                keep("postgres", running, pids, out);
            }
            if (running.get("kafka").isEmpty()) {
                startKafka(l, cp, kafka, kafkaCtl, pids, out);
            } else {
                keep("kafka", running, pids, out);
            }
            Duration timeout = Duration.ofSeconds(timeoutSeconds);
            await(l, "kafka", pids.get("kafka"), () -> Health.kafka(kafka), timeout, out);
            await(l, "s3", pids.get("s3"), () -> Health.s3(s3, S3_ACCESS_KEY, s3Secret, BUCKET), timeout, out);
            await(l, "postgres", pids.get("postgres"),
                    () -> Files.exists(l.postgresReady()) ? Health.postgres(pg, "postgres") : "PostgresMain not ready yet", timeout, out);
            ensureDatabases(pg, databases);

            // Services: each whose jar exists.
            String bootstrap = Health.HOST + ":" + kafka;
            String s3Endpoint = "http://" + Health.HOST + ":" + s3;
            Map<String, String> vars = new LinkedHashMap<>();
            vars.put("state", l.state.toString());
            vars.put("repo", common.repo().toString());
            vars.put("kafka.bootstrap", bootstrap);
            vars.put("s3.endpoint", s3Endpoint);
            vars.put("postgres.port", Integer.toString(pg));
            // for services that call other services (pass it in env, not sysprop: the command line is public)
            vars.put("admin.token", adminToken);
            servicePorts.forEach((n, p) -> vars.put(n + ".port", Integer.toString(p)));
            List<Service> started = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (Service s : services) {
                int port = servicePorts.get(s.name());
                if (running.get(s.name()).isPresent()) {
                    keep(s.name(), running, pids, out);
                    started.add(s);
                } else if (!Files.isRegularFile(s.jar())) {
                    skipped.add(s.name());
                    out.printf("  %-16s skipped: not built (%s)%n", s.name(), common.repo().relativize(s.jar()));
                } else {
                    List<String> cmd = new ArrayList<>(List.of(Procs.java(), "-Xmx" + s.xmx()));
                    cmd.addAll(s.jvmArgs());
                    cmd.add(l.stateMarker());
                    cmd.add(Layout.componentMarker(s.name()));
                    cmd.add(l.tmpDirFlag());
                    Map<String, String> props = new LinkedHashMap<>();
                    props.put("quarkus.http.host", Health.HOST);
                    props.put("quarkus.http.port", Integer.toString(port));
                    props.put("quarkus.grpc.server.use-separate-server", "false");
                    props.put("kafka.bootstrap.servers", bootstrap);
                    if (s.database() != null) {
                        props.put("quarkus.datasource.jdbc.url", Health.jdbcUrl(pg, s.database()));
                        props.put("quarkus.datasource.username", PG_USER);
                        props.put("quarkus.datasource.password", PG_PASSWORD);
                    }
                    props.put("sculptor.store.endpoint", s3Endpoint);
                    props.put("sculptor.store.access-key", S3_ACCESS_KEY);
                    props.put("sculptor.store.secret-key", s3Secret);
                    props.put("sculptor.store.bucket", BUCKET);
                    props.put("sculptor.auth.tokens", adminToken + ":admin");
                    props.put("ai.djl.offline", "true");
                    s.sysprops().forEach((k, v) -> props.put(k, ServiceDefs.expand(v, vars)));
                    props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
                    cmd.add("-jar");
                    cmd.add(s.jar().toString());
                    Map<String, String> env = new LinkedHashMap<>();
                    env.put("DJL_CACHE_DIR", djlCacheDir());
                    s.env().forEach((k, v) -> env.put(k, ServiceDefs.expand(v, vars)));
                    Path work = l.state.resolve("services").resolve(s.name());
                    Files.createDirectories(work);
                    pids.put(s.name(), Procs.spawn(l, s.name(), cmd, env, work));
                    out.printf("  %-16s started (pid %d, log %s)%n", s.name(), pids.get(s.name()), l.log(s.name()));
                    started.add(s);
                }
                out.flush();
            }
            for (Service s : started) {
                int port = servicePorts.get(s.name());
                await(l, s.name(), pids.get(s.name()), () -> Health.http(port, s.health()), timeout, out);
            }

            // Where everything listens.
            Map<String, Object> ep = endpoints(l, kafka, kafkaCtl, s3, s3Secret, pg, databases, adminToken, started, servicePorts);
            Layout.writePrivate(l.endpointsFile(), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(ep) + "\n");
            out.println();
            out.println("Sculptor local stack is up (state " + l.state + "):");
            out.printf("  %-16s %s (controller %s:%d)%n", "kafka", bootstrap, Health.HOST, kafkaCtl);
            out.printf("  %-16s %s  bucket %s  access key %s  secret key %s%n", "s3", s3Endpoint, BUCKET, S3_ACCESS_KEY, s3Secret);
            out.printf("  %-16s %s:%d  user %s  password %s  databases %s%n", "postgres", Health.HOST, pg, PG_USER, PG_PASSWORD,
                    String.join(", ", databases));
            for (Service s : started) {
                out.printf("  %-16s http+grpc %s:%d  (health http://%s:%d%s)%n", s.name(), Health.HOST, servicePorts.get(s.name()),
                        Health.HOST, servicePorts.get(s.name()), s.health());
            }
            if (services.isEmpty()) {
                out.println("  (no services defined in " + common.servicesFile() + ")");
            } else if (!skipped.isEmpty()) {
                out.println("  not built yet, skipped: " + String.join(", ", skipped));
            }
            out.println("  admin token      " + adminToken + "  (kept in " + l.adminTokenFile() + ")");
            out.println("  endpoints        " + l.endpointsFile());
            out.println("  logs             " + l.logs() + "   stop with: down");
            out.flush();
            return OK;
        }

        /** Resolves one port; a running component keeps its port, and asking it to move is an error. */
        private static int port(Map<String, OptionalLong> running, Properties saved, List<String> errors, String component,
                String key, Integer flag, int dflt, String flagName) {
            String have = saved.getProperty(key);
            if (running.get(component).isPresent() && have != null) {
                int p = Integer.parseInt(have.trim());
                if (flag != null && flag != p) {
                    errors.add(component + " is already running on port " + p + " (pid " + running.get(component).getAsLong()
                            + "); run `down` before moving it to " + flag + " (" + flagName + ")");
                }
                return p;
            }
            int p = flag != null ? flag : dflt;
            if (p < 1 || p > 65535) {
                errors.add("port " + p + " (" + component + ") is not a valid port (" + flagName + ")");
            }
            return p;
        }

        private static void claim(Map<Integer, String> claimed, List<String> errors, int port, String component,
                Map<String, OptionalLong> running, String flagName) {
            String other = claimed.putIfAbsent(port, component);
            if (other != null) {
                errors.add("port " + port + " is given to both " + other + " and " + component + " (" + flagName + ")");
                return;
            }
            if (running.get(component).isEmpty() && port > 0 && port < 65536 && !Health.bindable(port)) {
                errors.add("port " + port + " (" + component + ") is already in use by another process; stop it or choose another port with "
                        + flagName);
            }
        }

        private static void keep(String component, Map<String, OptionalLong> running, Map<String, Long> pids, PrintWriter out) {
            long pid = running.get(component).getAsLong();
            pids.put(component, pid);
            out.printf("  %-16s already running (pid %d), kept%n", component, pid);
        }

        private static List<String> infraJvm(Layout l, String component, String xmx) {
            return new ArrayList<>(List.of(Procs.java(), "-Xmx" + xmx, "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                    l.stateMarker(), Layout.componentMarker(component), l.tmpDirFlag(),
                    "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    // S3Proxy routes System.err into SLF4J: a logger writing to System.err would recurse.
                    "-Dorg.slf4j.simpleLogger.logFile=System.out",
                    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS"));
        }

        private static void startS3(Layout l, String cp, int port, String secret, Map<String, Long> pids, PrintWriter out)
                throws IOException {
            Path data = l.s3().resolve("data");
            Files.createDirectories(data);
            Path props = l.s3().resolve("s3proxy.properties");
            Layout.writePrivate(props, String.join("\n",
                    "# Written by the sculptor local stack on every up.",
                    "s3proxy.endpoint=http://" + Health.HOST + ":" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + S3_ACCESS_KEY,
                    "s3proxy.credential=" + secret,
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.filesystem.basedir=" + data,
                    "jclouds.identity=local",
                    "jclouds.credential=local",
                    ""));
            List<String> cmd = infraJvm(l, "s3", "128m");
            cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", cp, "org.gaul.s3proxy.Main", "--properties", props.toString()));
            pids.put("s3", Procs.spawn(l, "s3", cmd, Map.of(), l.s3()));
            out.printf("  %-16s started (pid %d, log %s)%n", "s3", pids.get("s3"), l.log("s3"));
            out.flush();
        }

        private static void startPostgres(Layout l, String cp, int port, Set<String> databases, Map<String, Long> pids,
                PrintWriter out) throws IOException {
            Files.deleteIfExists(l.postgresReady());
            // The first start extracts zonky's 14 MB .txz (55 MB unpacked): it needs at least 97 MB of heap with the serial
            // collector (the archive is held twice in memory, plus the largest file, 27 MB); 96 MB ran out. Twice that.
            List<String> cmd = infraJvm(l, "postgres", "192m");
            cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", cp, PostgresMain.class.getName(),
                    "--data", l.postgresData().toString(), "--binaries", l.postgresBinaries().toString(), "--port", Integer.toString(port),
                    "--ready", l.postgresReady().toString(), "--databases", String.join(",", databases)));
            pids.put("postgres", Procs.spawn(l, "postgres", cmd, Map.of(), l.postgres()));
            out.printf("  %-16s started (pid %d, log %s)%n", "postgres", pids.get("postgres"), l.log("postgres"));
            out.flush();
        }

        private void startKafka(Layout l, String cp, int port, int controllerPort, Map<String, Long> pids, PrintWriter out)
                throws IOException, InterruptedException {
            Path data = l.kafka().resolve("data");
            Files.createDirectories(data);
            Path props = l.kafka().resolve("server.properties");
            Layout.writeAtomically(props, String.join("\n",
                    "# Written by the sculptor local stack on every up: one broker+controller node in KRaft mode.",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@" + Health.HOST + ":" + controllerPort,
                    "listeners=PLAINTEXT://" + Health.HOST + ":" + port + ",CONTROLLER://" + Health.HOST + ":" + controllerPort,
                    "advertised.listeners=PLAINTEXT://" + Health.HOST + ":" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + data,
                    "num.partitions=1",
                    "num.network.threads=2",
                    "num.io.threads=2",
                    "background.threads=2",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    // A small heap dies at start without a smaller dedupe buffer (default 128 MB).
                    "log.cleaner.dedupe.buffer.size=8388608",
                    ""));
            if (!Files.exists(data.resolve("meta.properties"))) {
                Path idFile = l.kafka().resolve("cluster.id");
                String clusterId = Files.isRegularFile(idFile) ? Files.readString(idFile).trim() : Uuid.randomUuid().toString();
                Layout.writeAtomically(idFile, clusterId + "\n");
                List<String> fmt = infraJvm(l, "kafka-format", "192m");
                fmt.addAll(List.of("-XX:TieredStopAtLevel=1", "-cp", cp, "kafka.tools.StorageTool", "format",
                        "-t", clusterId, "-c", props.toString(), "--ignore-formatted"));
                out.printf("  %-16s formatting storage (cluster id %s)%n", "kafka", clusterId);
                out.flush();
                Path log = l.log("kafka");
                Files.writeString(log, "==== sculptor local stack: formatting KRaft storage ====\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                Process p = new ProcessBuilder(fmt).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .directory(l.kafka().toFile()).start();
                if (!p.waitFor(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new StackException("kafka: formatting the storage did not finish within " + timeoutSeconds
                            + " s; see " + log);
                }
                if (p.exitValue() != 0 || !Files.exists(data.resolve("meta.properties"))) {
                    throw new StackException("kafka: formatting the storage failed (exit " + p.exitValue() + "); see " + log
                            + tail(log, 15, "\n    "));
                }
            }
            List<String> cmd = infraJvm(l, "kafka", "192m");
            cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", cp, "kafka.Kafka", props.toString()));
            pids.put("kafka", Procs.spawn(l, "kafka", cmd, Map.of(), l.kafka()));
            out.printf("  %-16s started (pid %d, log %s)%n", "kafka", pids.get("kafka"), l.log("kafka"));
            out.flush();
        }

        private static void ensureDatabases(int port, Set<String> databases) throws Exception {
            try (Connection c = DriverManager.getConnection(Health.jdbcUrl(port, "postgres"), PG_USER, PG_PASSWORD)) {
                for (String db : databases) {
                    try (PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                        ps.setString(1, db);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                continue;
                            }
                        }
                    }
                    try (Statement s = c.createStatement()) {
                        s.execute("create database \"" + db.replace("\"", "\"\"") + "\"");
                    }
                }
            }
        }
    }

    /** Waits until {@code check} passes; fails fast when the process dies, with the tail of its log. */
    static void await(Layout l, String component, long pid, Supplier<String> check, Duration timeout, PrintWriter out) {
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
                throw new StackException(component + " exited during start (pid " + pid + "); see " + log + tail(log, 20, "\n    "));
            }
            if (System.nanoTime() > deadline) {
                throw new StackException(component + " did not become healthy within " + timeout.toSeconds() + " s (" + problem
                        + "); it is left running, see " + log + " (stop everything with: down)" + tail(log, 20, "\n    "));
            }
            Procs.sleep(300);
        }
    }

    static Map<String, Object> endpoints(Layout l, int kafka, int kafkaCtl, int s3, String s3Secret, int pg, Set<String> databases,
            String adminToken, List<Service> services, Map<String, Integer> servicePorts) {
        Map<String, Object> ep = new LinkedHashMap<>();
        ep.put("stateDir", l.state.toString());
        ep.put("adminToken", adminToken);
        ep.put("kafka", Map.of("bootstrapServers", Health.HOST + ":" + kafka, "controller", Health.HOST + ":" + kafkaCtl));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("endpoint", "http://" + Health.HOST + ":" + s3);
        s.put("accessKey", S3_ACCESS_KEY);
        s.put("secretKey", s3Secret);
        s.put("bucket", BUCKET);
        s.put("region", "us-east-1");
        ep.put("s3", s);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("host", Health.HOST);
        p.put("port", pg);
        p.put("user", PG_USER);
        p.put("password", PG_PASSWORD);
        Map<String, String> dbs = new LinkedHashMap<>();
        databases.forEach(d -> dbs.put(d, Health.jdbcUrl(pg, d)));
        p.put("databases", dbs);
        ep.put("postgres", p);
        Map<String, Object> svc = new LinkedHashMap<>();
        for (Service sv : services) {
            int port = servicePorts.get(sv.name());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("grpc", Health.HOST + ":" + port);
            e.put("http", "http://" + Health.HOST + ":" + port);
            e.put("health", "http://" + Health.HOST + ":" + port + sv.health());
            if (sv.database() != null) {
                e.put("database", sv.database());
            }
            svc.put(sv.name(), e);
        }
        ep.put("services", svc);
        return ep;
    }

    // ------------------------------------------------------------------------------------------------ down

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop what up started (services first, then Kafka, S3, PostgreSQL). Data is kept.")
    static final class Down implements Callable<Integer> {
        @Mixin Common common;
        @Spec CommandSpec spec;

        @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
                description = "Seconds between SIGTERM and SIGKILL (default ${DEFAULT-VALUE}).")
        int graceSeconds;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Layout l = Layout.existing(common.stateDir());
            if (!Files.isDirectory(l.state)) {
                out.println("sculptor local: nothing to stop (no state at " + l.state + ")");
                return OK;
            }
            try (var lock = l.lock(out)) {
                return down(l, out);
            }
        }

        private int down(Layout l, PrintWriter out) throws Exception {
            Set<String> services = new LinkedHashSet<>();
            try {
                common.services().forEach(s -> services.add(s.name()));
            } catch (RuntimeException e) {
                // A broken services file must not keep down from stopping what the pid files name.
            }
            services.addAll(pidFileNames(l));
            services.removeAll(INFRA);
            boolean ok = stopAll(l, new ArrayList<>(services), out);
            ok &= stopAll(l, INFRA, out);
            ok &= stopOrphanPostgres(l, out);
            Files.deleteIfExists(l.postgresReady());
            Files.deleteIfExists(l.endpointsFile());
            out.println(ok ? "sculptor local: stopped (data kept in " + l.state + ")" : "sculptor local: some processes did not stop");
            out.flush();
            return ok ? OK : FAILED;
        }

        private boolean stopAll(Layout l, List<String> components, PrintWriter out) throws InterruptedException {
            Map<String, Boolean> result = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (String c : components) {
                OptionalLong pid = Procs.running(l, c);
                if (pid.isEmpty()) {
                    deletePid(l, c);
                    continue;
                }
                out.printf("  %-16s stopping (pid %d)%n", c, pid.getAsLong());
                out.flush();
                Thread t = new Thread(() -> result.put(c, Procs.stop(pid.getAsLong(), Duration.ofSeconds(graceSeconds))), "stop-" + c);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            boolean ok = true;
            for (var e : new TreeMap<>(result).entrySet()) {
                if (e.getValue()) {
                    deletePid(l, e.getKey());
                    out.printf("  %-16s stopped%n", e.getKey());
                } else {
                    ok = false;
                    out.printf("  %-16s did NOT stop; see %s%n", e.getKey(), l.log(e.getKey()));
                }
            }
            out.flush();
            return ok;
        }

        private static void deletePid(Layout l, String c) {
            try {
                Files.deleteIfExists(l.pidFile(c));
            } catch (IOException e) {
                // Stale pid files are verified before use anyway.
            }
        }
    }

    static List<String> pidFileNames(Layout l) {
        if (!Files.isDirectory(l.pids())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(l.pids())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pid"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * PostgreSQL runs as a grandchild of PostgresMain (pg_ctl daemonizes it). If PostgresMain was killed hard, the
     * server lives on: find it through postmaster.pid, check that it serves our data directory, and stop it (fast).
     */
    static boolean stopOrphanPostgres(Layout l, PrintWriter out) {
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

    // ------------------------------------------------------------------------------------------------ status

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show each component: running or stopped, pid, port, health. Exit 0 when Kafka, S3 and PostgreSQL "
                    + "are healthy, else 3.",
                    "--json prints the same as one JSON object (stable field names) for programs; --require makes the exit "
                    + "status answer whether the named components are running and healthy."})
    static final class Status implements Callable<Integer> {
        @Mixin Common common;
        @Spec CommandSpec spec;

        @Option(names = "--json", description = "Print one JSON object: {stateDir, infraHealthy, components: [{component, state, "
                + "running, pid, port, health, healthy, problem}], endpointsFile, adminTokenFile}.")
        boolean json;

        @Option(names = "--require", paramLabel = "COMPONENT", split = ",",
                description = "Exit 0 only when each of these components is running and healthy, else 3 "
                        + "(e.g. --require model-registry,training,pruning). Without it: Kafka, S3 and PostgreSQL.")
        List<String> require;

        @Option(names = {"-q", "--quiet"}, description = "Print nothing; only the exit status answers.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Layout l = Layout.existing(common.stateDir());
            List<ComponentStatus> rows = collect(l, common.services());
            List<String> required = require != null && !require.isEmpty() ? require : INFRA;
            boolean ok = required.stream().allMatch(r -> rows.stream().anyMatch(c -> c.component().equals(r) && c.healthy()));
            boolean infraOk = INFRA.stream().allMatch(r -> rows.stream().anyMatch(c -> c.component().equals(r) && c.healthy()));
            if (quiet) {
                return ok ? OK : NOT_RUNNING;
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("stateDir", l.state.toString());
                o.put("infraHealthy", infraOk);
                o.put("components", rows);
                o.put("endpointsFile", Files.isRegularFile(l.endpointsFile()) ? l.endpointsFile().toString() : null);
                o.put("adminTokenFile", Files.isRegularFile(l.adminTokenFile()) ? l.adminTokenFile().toString() : null);
                out.println(new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(o));
            } else {
                out.println("sculptor local: state " + l.state);
                out.printf("  %-16s %-10s %-8s %-6s %s%n", "COMPONENT", "STATE", "PID", "PORT", "HEALTH");
                for (ComponentStatus c : rows) {
                    out.printf("  %-16s %-10s %-8s %-6s %s%n", c.component(), c.state(), c.pid() != null ? c.pid() : "-",
                            c.port() != null ? c.port() : "-",
                            c.health() == null ? "-" : c.healthy() ? "healthy" : "UNHEALTHY: " + c.problem());
                }
                if (Files.isRegularFile(l.endpointsFile())) {
                    out.println("  endpoints: " + l.endpointsFile());
                }
                if (Files.isRegularFile(l.adminTokenFile())) {
                    out.println("  admin token: " + l.adminTokenFile());
                }
            }
            out.flush();
            return ok ? OK : NOT_RUNNING;
        }

        /** One row per component: Kafka, S3, PostgreSQL, each defined service, then any other with a pid file. */
        static List<ComponentStatus> collect(Layout l, List<Service> services) throws IOException {
            Properties saved = l.loadStack();
            String secret = Files.isRegularFile(l.s3CredentialFile()) ? Files.readString(l.s3CredentialFile()).trim() : "";
            int kafka = intProp(saved, "kafka.port", DEFAULT_KAFKA_PORT);
            int s3 = intProp(saved, "s3.port", DEFAULT_S3_PORT);
            int pg = intProp(saved, "postgres.port", DEFAULT_POSTGRES_PORT);
            int base = intProp(saved, "services.port-base", DEFAULT_PORT_BASE);
            List<ComponentStatus> rows = new ArrayList<>();
            rows.add(ComponentStatus.of(l, "kafka", kafka, () -> Health.kafka(kafka), null));
            rows.add(ComponentStatus.of(l, "s3", s3, () -> Health.s3(s3, S3_ACCESS_KEY, secret, null), null));
            rows.add(ComponentStatus.of(l, "postgres", pg, () -> Health.postgres(pg, "postgres"), null));
            Set<String> listed = new LinkedHashSet<>();
            for (Service s : services) {
                listed.add(s.name());
                int port = intProp(saved, "service." + s.name() + ".port", base + s.portOffset());
                rows.add(ComponentStatus.of(l, s.name(), port, () -> Health.http(port, s.health()),
                        Files.isRegularFile(s.jar()) ? null : "not built"));
            }
            for (String n : pidFileNames(l)) {
                if (!INFRA.contains(n) && !listed.contains(n)) {
                    int port = intProp(saved, "service." + n + ".port", 0);
                    rows.add(ComponentStatus.of(l, n, port, () -> Health.tcp(port, 1000) ? null : "nothing listens on port " + port, null));
                }
            }
            return rows;
        }
    }

    /**
     * What {@code status} knows of one component; the table and {@code --json} are two views of it. The JSON field
     * names are the record's: component, state ("running", "stopped" or "not built"), running, pid (null when not
     * running), port (null when none), health ("healthy", "unhealthy", or null when not running), healthy, problem.
     */
    record ComponentStatus(String component, String state, boolean running, Long pid, Integer port, String health,
            boolean healthy, String problem) {
        static ComponentStatus of(Layout l, String name, int port, Supplier<String> check, String stoppedNote) {
            Integer p = port > 0 ? port : null;
            OptionalLong pid = Procs.running(l, name);
            if (pid.isEmpty()) {
                return new ComponentStatus(name, stoppedNote != null ? stoppedNote : "stopped", false, null, p, null, false, null);
            }
            String problem = check.get();
            return new ComponentStatus(name, "running", true, pid.getAsLong(), p, problem == null ? "healthy" : "unhealthy",
                    problem == null, problem);
        }
    }

    static int intProp(Properties p, String key, int dflt) {
        try {
            return Integer.parseInt(p.getProperty(key, Integer.toString(dflt)).trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    // ------------------------------------------------------------------------------------------------ logs

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print the tail of a component's log (all logs without a component).")
    static final class Logs implements Callable<Integer> {
        @Mixin Common common;
        @Spec CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "COMPONENT", description = "kafka, s3, postgres or a service name.")
        String component;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines (Ctrl-C stops).")
        boolean follow;

        @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50", description = "Lines to show (default ${DEFAULT-VALUE}).")
        int lines;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Layout l = Layout.existing(common.stateDir());
            List<String> names = new ArrayList<>();
            if (Files.isDirectory(l.logs())) {
                try (Stream<Path> s = Files.list(l.logs())) {
                    s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).map(n -> n.substring(0, n.length() - 4))
                            .sorted().forEach(names::add);
                }
            }
            List<String> chosen;
            if (component != null) {
                if (!names.contains(component)) {
                    throw new IllegalArgumentException("no log for '" + component + "' in " + l.logs()
                            + (names.isEmpty() ? "" : " (there are: " + String.join(", ", names) + ")"));
                }
                chosen = List.of(component);
            } else {
                if (names.isEmpty()) {
                    out.println("sculptor local: no logs yet in " + l.logs());
                    return OK;
                }
                chosen = names;
            }
            Map<String, Long> positions = new LinkedHashMap<>();
            for (String c : chosen) {
                Path log = l.log(c);
                if (chosen.size() > 1) {
                    out.println("==> " + log + " <==");
                }
                out.print(tail(log, lines, "\n").replaceFirst("^\n", ""));
                out.println();
                positions.put(c, Files.size(log));
            }
            out.flush();
            while (follow) {
                for (String c : chosen) {
                    Path log = l.log(c);
                    long size = Files.exists(log) ? Files.size(log) : 0;
                    long pos = positions.get(c);
                    if (size < pos) {
                        pos = 0;
                    }
                    if (size > pos) {
                        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                            f.seek(pos);
                            byte[] b = new byte[(int) Math.min(size - pos, 1 << 20)];
                            f.readFully(b);
                            String text = new String(b, StandardCharsets.UTF_8);
                            if (chosen.size() > 1) {
                                text = text.replaceAll("(?m)^(?=.)", c + " | ");
                            }
                            out.print(text);
                            out.flush();
                            pos += b.length;
                        }
                    }
                    positions.put(c, pos);
                }
                Thread.sleep(500);
            }
            return OK;
        }
    }

    /** The last {@code n} lines of a file, each preceded by {@code sep} (empty when the file is missing). */
    static String tail(Path file, int n, String sep) {
        if (n <= 0 || !Files.isRegularFile(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long pos = len;
            int newlines = 0;
            int chunk = 8192;
            long start = 0;
            outer:
            while (pos > 0) {
                int size = (int) Math.min(chunk, pos);
                pos -= size;
                byte[] b = new byte[size];
                f.seek(pos);
                f.readFully(b);
                for (int i = size - 1; i >= 0; i--) {
                    if (b[i] == '\n' && pos + i != len - 1) {
                        if (++newlines == n) {
                            start = pos + i + 1;
                            break outer;
                        }
                    }
                }
            }
            f.seek(start);
            byte[] rest = new byte[(int) (len - start)];
            f.readFully(rest);
            String text = new String(rest, StandardCharsets.UTF_8);
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            StringBuilder sb = new StringBuilder();
            text.lines().forEach(line -> sb.append(sep).append(line));
            return sb.toString();
        } catch (IOException e) {
            return "";
        }
    }

}
