package dev.sculptor.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, through the packaged launcher exactly as a person runs it ({@code java -cp jar:lib/* LocalStack ...}):
 * up on random ports, use Kafka, S3 and PostgreSQL, up again (harmless), down (processes gone), up again (data
 * survived), down. A fake service (a tiny HTTP server in a jar) stands in for a built Quarkus service, and a
 * service without a jar is skipped. Whatever happens, nothing is left running.
 */
class LocalStackIT {
    private static final String TOPIC = "sculptor.local-it.events.v1";

    @TempDir
    Path tmp;

    private Path state;
    private String[] common;
    private int kafka;
    private int s3;
    private int pg;
    private int base;
    private String pgPassword;

    record Result(int rc, String out) {}

    @Test
    void upUseUpAgainDownUpDataSurvivesDown() throws Exception {
        state = tmp.resolve("state");
        int[] p = PortsTest.freePorts(5);
        kafka = p[0];
        s3 = p[2];
        pg = p[3];
        base = p[4];
        Path services = writeServices();
        common = new String[] {"--state-dir", state.toString(), "--services", services.toString()};
        Thread safety = new Thread(this::cleanUp, "local-stack-it-cleanup");
        Runtime.getRuntime().addShutdownHook(safety);
        try {
            Result up = launcher("up", "--kafka-port", "" + kafka, "--kafka-controller-port", "" + p[1], "--s3-port", "" + s3,
                    "--postgres-port", "" + pg, "--port-base", "" + base, "--timeout", "120");
            assertEquals(0, up.rc(), up.out());
            assertTrue(up.out().lines().anyMatch(l -> l.contains("absent") && l.contains("skipped: not built")), up.out());
            Map<String, Long> pids = pids();
            assertEquals(List.of("fake", "kafka", "postgres", "s3"), pids.keySet().stream().sorted().toList());
            pids.forEach((c, pid) -> assertTrue(Procs.isAlive(pid), c + " is not running after the launcher exited"));

            // PostgreSQL's binaries were extracted under the state directory, completely (zonky's marker).
            try (var s = Files.list(state.resolve("postgres/binaries"))) {
                List<Path> pgBin = s.filter(d -> d.getFileName().toString().startsWith("PG-")).toList();
                assertEquals(1, pgBin.size(), pgBin.toString());
                assertTrue(Files.exists(pgBin.get(0).resolve(".exists")) && Files.isExecutable(pgBin.get(0).resolve("bin/postgres")));
            }

            // Secrets: generated once, one token per role, owner-only files in an owner-only directory; never printed.
            Layout layout = Layout.existing(state);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.secrets())));
            Map<String, String> tokens = new java.util.LinkedHashMap<>();
            for (String role : Secrets.ROLES) {
                Path f = layout.tokenFile(role);
                tokens.put(role, Files.readString(f).trim());
                assertEquals(64, tokens.get(role).length());
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
                assertTrue(up.out().contains(f.toString()), "up names the " + role + " token's file");
            }
            String token = tokens.get("admin");
            assertEquals(3, new java.util.HashSet<>(tokens.values()).size(), "three different tokens");
            String secret = Files.readString(layout.s3CredentialFile()).trim();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.s3CredentialFile())));
            // The database password: the same kind of file; the server was made with it and asks every client for it.
            pgPassword = Files.readString(layout.postgresPasswordFile()).trim();
            assertTrue(pgPassword.matches("[0-9a-f]{64}"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.postgresPasswordFile())));
            assertTrue(up.out().contains("password in " + layout.postgresPasswordFile()), up.out());
            List<String> secrets = new ArrayList<>(tokens.values());
            secrets.add(secret);
            secrets.add(pgPassword);
            assertNoSecretIn("up's report", up.out(), secrets);

            // endpoints.json names where the secrets are, not the secrets.
            String endpoints = Files.readString(state.resolve("endpoints.json"));
            assertNoSecretIn("endpoints.json", endpoints, secrets);
            JsonObject ep = JsonParser.parseString(endpoints).getAsJsonObject();
            assertEquals(layout.adminTokenFile().toString(), ep.getAsJsonObject("tokenFiles").get("admin").getAsString());
            assertEquals(layout.tokenFile("read").toString(), ep.getAsJsonObject("tokenFiles").get("read").getAsString());
            assertEquals("127.0.0.1:" + kafka, ep.getAsJsonObject("kafka").get("bootstrapServers").getAsString());
            JsonObject s3ep = ep.getAsJsonObject("s3");
            assertEquals("http://127.0.0.1:" + s3, s3ep.get("endpoint").getAsString());
            assertEquals("sculptor", s3ep.get("bucket").getAsString());
            String access = s3ep.get("accessKey").getAsString();
            assertEquals(layout.s3CredentialFile().toString(), s3ep.get("secretKeyFile").getAsString());
            assertEquals(pg, ep.getAsJsonObject("postgres").get("port").getAsInt());
            assertEquals(layout.postgresPasswordFile().toString(), ep.getAsJsonObject("postgres").get("passwordFile").getAsString());
            JsonObject fake = ep.getAsJsonObject("services").getAsJsonObject("fake");
            assertEquals("127.0.0.1:" + (base + 1), fake.get("grpc").getAsString());
            assertEquals("http://127.0.0.1:" + (base + 1), fake.get("http").getAsString());
            assertFalse(ep.getAsJsonObject("services").has("absent"));

            // The service got its configuration: the secrets in its environment only.
            Properties cfg = fakeConfig(base + 1);
            assertEquals(Integer.toString(base + 1), cfg.getProperty("quarkus.http.port"));
            assertEquals("127.0.0.1", cfg.getProperty("quarkus.http.host"));
            assertEquals("127.0.0.1:" + kafka, cfg.getProperty("kafka.bootstrap.servers"));
            assertEquals("jdbc:postgresql://127.0.0.1:" + pg + "/registry", cfg.getProperty("quarkus.datasource.jdbc.url"));
            assertEquals("postgres", cfg.getProperty("quarkus.datasource.username"));
            assertEquals(pgPassword, cfg.getProperty("env.QUARKUS_DATASOURCE_PASSWORD"));
            assertEquals("http://127.0.0.1:" + s3, cfg.getProperty("sculptor.store.endpoint"));
            assertEquals(access, cfg.getProperty("sculptor.store.access-key"));
            assertEquals(secret, cfg.getProperty("env.SCULPTOR_STORE_SECRET_KEY"));
            assertEquals("sculptor", cfg.getProperty("sculptor.store.bucket"));
            assertEquals(token + ":admin," + tokens.get("write") + ":write," + tokens.get("read") + ":read",
                    cfg.getProperty("env.SCULPTOR_AUTH_TOKENS"));
            for (String key : List.of("sculptor.auth.tokens", "sculptor.store.secret-key", "quarkus.datasource.password")) {
                assertFalse(cfg.containsKey(key), key + " is not a system property");
            }
            assertEquals("true", cfg.getProperty("ai.djl.offline"));
            assertEquals(tmp.resolve("djl").toString(), cfg.getProperty("env.DJL_CACHE_DIR"));
            assertEquals("127.0.0.1:" + kafka + "/" + state.toRealPath(), cfg.getProperty("fake.custom"));
            assertEquals("hello", cfg.getProperty("env.FAKE_GREETING"));

            // No process of the stack carries a secret on its command line (what every local user sees through ps).
            List<Long> processes = new ArrayList<>(pids.values());
            Procs.scan(layout, "postgres").ifPresent(processes::add);
            for (long pid : processes) {
                assertNoSecretIn("the command line of pid " + pid, String.join(" ", Procs.cmdline(pid)), secrets);
            }
            // Nor any other process this user sees: PostgreSQL's own (postmaster, backends, initdb's was the same file).
            assertNoCommandLineHolds(secrets);

            // PostgreSQL's pid file names the postmaster, not its Java wrapper; status reports it.
            long postmaster = pids.get("postgres");
            assertEquals("postgres", Files.readString(Path.of("/proc/" + postmaster + "/comm")).trim());
            assertNotEquals(Procs.scan(layout, "postgres").orElseThrow(), postmaster);

            // Use the three parts.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + kafka))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", "127.0.0.1:" + kafka,
                    "acks", "all"), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(TOPIC, "job-1", "hello kafka")).get(30, TimeUnit.SECONDS);
            }
            assertEquals("hello kafka", consumeFirst());
            MinioClient minio = MinioClient.builder().endpoint("http://127.0.0.1:" + s3).credentials(access, secret)
                    .region("us-east-1").build();
            byte[] body = "hello s3".getBytes(StandardCharsets.UTF_8);
            minio.putObject(PutObjectArgs.builder().bucket("sculptor").object("it/hello.txt")
                    .stream(new ByteArrayInputStream(body), body.length, -1).contentType("text/plain").build());
            assertEquals("hello s3", getObject(minio));
            try (Connection c = jdbc(); Statement st = c.createStatement()) {
                st.execute("create table it_rows (id int primary key, v text)");
                st.execute("insert into it_rows values (1, 'hello postgres')");
            }
            assertEquals("hello postgres", readRow());
            // Without the password, or with the fixed one of earlier versions, PostgreSQL lets nobody in.
            for (String wrong : new String[] {null, "postgres"}) {
                java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                        () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg + "/registry", "postgres", wrong).close());
                assertTrue("28P01".equals(refused.getSQLState()) || refused.getMessage().contains("no password was provided"),
                        refused.toString());
            }

            Result status = launcher("status");
            assertEquals(0, status.rc(), status.out());
            for (String c : List.of("kafka", "s3", "postgres", "fake")) {
                assertTrue(status.out().lines().anyMatch(l -> l.trim().startsWith(c + " ") && l.contains("running")
                        && l.contains("healthy")), c + " in\n" + status.out());
            }
            assertTrue(status.out().lines().anyMatch(l -> l.trim().startsWith("postgres ") && l.contains(" " + postmaster + " ")),
                    status.out());
            assertTrue(status.out().lines().anyMatch(l -> l.trim().startsWith("absent ") && l.contains("not built")), status.out());
            assertTrue(status.out().contains(layout.tokenFile("read").toString()), status.out());
            assertTrue(status.out().contains("database password: " + layout.postgresPasswordFile()), status.out());
            assertNoSecretIn("status", status.out() + launcher("status", "--json").out(), secrets);
            Result logs = launcher("logs", "kafka", "--lines", "5");
            assertEquals(0, logs.rc(), logs.out());
            assertEquals(5, logs.out().strip().lines().count(), logs.out());

            // up twice is harmless: same processes.
            Result again = launcher("up", "--kafka-port", "" + kafka, "--s3-port", "" + s3, "--postgres-port", "" + pg,
                    "--port-base", "" + base);
            assertEquals(0, again.rc(), again.out());
            assertTrue(again.out().contains("already running"), again.out());
            assertEquals(pids, pids());

            // down: everything gone.
            Result down = launcher("down");
            assertEquals(0, down.rc(), down.out());
            assertTrue(down.out().indexOf("fake             stopped") < down.out().indexOf("kafka            stopped"),
                    "services stop before the infrastructure:\n" + down.out());
            pids.forEach((c, pid) -> assertFalse(Procs.isAlive(pid), c + " still runs after down"));
            assertNoProcessesLeft();
            assertFalse(Files.exists(state.resolve("endpoints.json")));
            Result stopped = launcher("status");
            assertEquals(3, stopped.rc(), stopped.out());

            // up again (ports remembered from nothing but the flags): data and token survived.
            Result up2 = launcher("up", "--kafka-port", "" + kafka, "--kafka-controller-port", "" + p[1], "--s3-port", "" + s3,
                    "--postgres-port", "" + pg, "--port-base", "" + base, "--timeout", "120");
            assertEquals(0, up2.rc(), up2.out());
            Map<String, Long> pids2 = pids();
            assertNotEquals(pids.get("kafka"), pids2.get("kafka"));
            assertEquals(token, Files.readString(layout.adminTokenFile()).trim());
            assertEquals(pgPassword, Files.readString(layout.postgresPasswordFile()).trim());
            assertEquals("hello s3", getObject(minio));
            assertEquals("hello postgres", readRow());
            assertEquals("hello kafka", consumeFirst());

            // A kill of the recorded PostgreSQL pid stops the database, and its wrapper goes with it.
            long postmaster2 = pids2.get("postgres");
            ProcessHandle.of(postmaster2).orElseThrow().destroy();
            await("the database stopped").atMost(Duration.ofSeconds(30)).until(() -> !Procs.isAlive(postmaster2)
                    && Procs.scan(layout, "postgres").isEmpty());
            assertFalse(dev.sculptor.embedded.Loopback.listening(pg, 500), "nothing listens on PostgreSQL's port");
            Result killed = launcher("status");
            assertEquals(3, killed.rc(), killed.out());
            assertTrue(killed.out().lines().anyMatch(l -> l.trim().startsWith("postgres ") && l.contains("stopped")), killed.out());
            pids2.remove("postgres");

            Result down2 = launcher("down");
            assertEquals(0, down2.rc(), down2.out());
            pids2.forEach((c, pid) -> assertFalse(Procs.isAlive(pid), c + " still runs after down"));
            assertNoProcessesLeft();
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(safety);
            } catch (IllegalStateException e) {
                // Already shutting down.
            }
        }
    }

    /** down through the launcher, then, as a last resort, SIGKILL whatever still carries this test's state marker. */
    private void cleanUp() {
        if (state == null || !Files.isDirectory(state)) {
            return;
        }
        try {
            launcher("down", "--grace", "15");
        } catch (Exception e) {
            System.err.println("cleanup: down failed: " + e);
        }
        Layout l = Layout.existing(state);
        for (String c : List.of("fake", "kafka", "s3", "postgres")) {
            Procs.scan(l, c).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        Orphans.stopPostgres(l, new java.io.PrintWriter(System.err, true));
    }

    private static void assertNoSecretIn(String where, String text, List<String> secrets) {
        for (String secret : secrets) {
            assertFalse(text.contains(secret), where + " shows a secret");
        }
    }

    /** Every process this user can see (/proc/PID/cmdline, what ps shows every local user), not only the stack's. */
    private static void assertNoCommandLineHolds(List<String> secrets) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    continue; // gone meanwhile
                }
                assertNoSecretIn("the command line of pid " + p.getFileName(), cmdline, secrets);
            }
        }
    }

    private void assertNoProcessesLeft() throws IOException {
        Layout l = Layout.existing(state);
        for (String c : List.of("fake", "kafka", "s3", "postgres")) {
            assertTrue(Procs.scan(l, c).isEmpty(), c + " still runs");
        }
        Path pm = state.resolve("postgres/data/postmaster.pid");
        if (Files.exists(pm)) {
            long pid = Long.parseLong(Files.readAllLines(pm).get(0).trim());
            assertFalse(Procs.isAlive(pid) && String.join(" ", Procs.cmdline(pid)).contains(state.toString()),
                    "the PostgreSQL server still runs");
        }
        try (var s = Files.list(state.resolve("pids"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    private Path writeServices() throws IOException {
        Path jar = tmp.resolve("fake-service.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeService.class.getName());
        Path classes = Path.of(FakeService.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            String dir = FakeService.class.getPackageName().replace('.', '/');
            try (var s = Files.list(classes.resolve(dir))) {
                for (Path c : s.filter(f -> f.getFileName().toString().startsWith("FakeService")).toList()) {
                    out.putNextEntry(new JarEntry(dir + "/" + c.getFileName()));
                    out.write(Files.readAllBytes(c));
                    out.closeEntry();
                }
            }
        }
        Path services = tmp.resolve("services.properties");
        Files.writeString(services, String.join("\n",
                "services=absent,fake",
                "absent.jar=services/absent/target/quarkus-app/quarkus-run.jar",
                "absent.port-offset=0",
                "fake.jar=" + jar,
                "fake.port-offset=1",
                "fake.database=registry",
                "fake.xmx=64m",
                "fake.jvm-args=-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "fake.sysprop.fake.custom=${kafka.bootstrap}/${state}",
                "fake.env.FAKE_GREETING=hello",
                ""));
        return services;
    }

    private Result launcher(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Procs.java(), "-Xmx128m", "-cp",
                System.getProperty("sculptor.local.jar") + ":" + System.getProperty("sculptor.local.lib") + "/*",
                LocalStack.class.getName(), command));
        cmd.addAll(List.of(common));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DJL_CACHE_DIR", tmp.resolve("djl").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e);
            }
        });
        reader.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            fail(command + " did not finish in 240 s:\n" + out);
        }
        reader.join(10000);
        System.out.println("$ local-stack " + command + " -> " + p.exitValue() + "\n" + out);
        return new Result(p.exitValue(), out.toString());
    }

    private Map<String, Long> pids() throws IOException {
        Map<String, Long> m = new HashMap<>();
        try (var s = Files.list(state.resolve("pids"))) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                m.put(n.substring(0, n.length() - 4), Long.parseLong(Files.readString(f).trim()));
            }
        }
        return m;
    }

    private static Properties fakeConfig(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/config"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Properties p = new Properties();
        p.load(new StringReader(r.body()));
        return p;
    }

    private String consumeFirst() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", "127.0.0.1:" + kafka,
                "enable.auto.commit", "false"), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            await("a record in " + TOPIC).atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(500)).forEach(got::add);
                        return !got.isEmpty();
                    });
            assertEquals("job-1", got.get(0).key());
            return got.get(0).value();
        }
    }

    private static String getObject(MinioClient minio) throws Exception {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket("sculptor").object("it/hello.txt").build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Connection jdbc() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg + "/registry", "postgres", pgPassword);
    }

    private String readRow() throws Exception {
        try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select v from it_rows where id = 1")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }
}
