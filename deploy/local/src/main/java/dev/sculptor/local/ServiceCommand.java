package dev.sculptor.local;

import dev.sculptor.embedded.Loopback;
import dev.sculptor.embedded.PostgresServer;
import dev.sculptor.local.ServiceDefs.Service;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one service is started: its JVM command line (the wiring to Kafka, S3 and PostgreSQL as system properties, then
 * its own from services.properties), its environment and its working directory. Secrets go in the environment only
 * (Quarkus maps {@code SCULPTOR_AUTH_TOKENS} to {@code sculptor.auth.tokens} and so on; {@code /proc/PID/environ} is
 * readable by the owner alone), never on the command line, which every local user can read.
 */
record ServiceCommand(List<String> command, Map<String, String> env, Path workDir) {
    /** {@code sculptor.auth.tokens}: every role's token, {@code token:role,...}. */
    static final String AUTH_TOKENS_ENV = "SCULPTOR_AUTH_TOKENS";
    /** {@code sculptor.store.secret-key}. */
    static final String S3_SECRET_ENV = "SCULPTOR_STORE_SECRET_KEY";
    /** {@code quarkus.datasource.password}. */
    static final String DATABASE_PASSWORD_ENV = "QUARKUS_DATASOURCE_PASSWORD";

    static ServiceCommand of(Layout l, Service s, Wiring w, String djlCacheDir) {
        List<String> cmd = new ArrayList<>(List.of(Procs.java(), "-Xmx" + s.xmx()));
        cmd.addAll(s.jvmArgs());
        cmd.add(l.stateMarker());
        cmd.add(Layout.componentMarker(s.name()));
        cmd.add(l.tmpDirFlag());
        Map<String, String> vars = w.placeholders();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("quarkus.http.host", Loopback.HOST);
        props.put("quarkus.http.port", Integer.toString(w.servicePort(s.name())));
        props.put("quarkus.grpc.server.use-separate-server", "false");
        props.put("kafka.bootstrap.servers", w.kafkaBootstrap());
        if (s.database() != null) {
            props.put("quarkus.datasource.jdbc.url", w.jdbcUrl(s.database()));
            props.put("quarkus.datasource.username", PostgresServer.USER);
        }
        props.put("sculptor.store.endpoint", w.s3Endpoint());
        props.put("sculptor.store.access-key", Infrastructure.S3_ACCESS_KEY);
        props.put("sculptor.store.bucket", Infrastructure.BUCKET);
        props.put("ai.djl.offline", "true");
        s.sysprops().forEach((k, v) -> props.put(k, ServiceDefs.expand(v, vars)));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(s.jar().toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DJL_CACHE_DIR", djlCacheDir);
        env.put(AUTH_TOKENS_ENV, w.tokens().authTokens());
        env.put(S3_SECRET_ENV, w.s3SecretKey());
        if (s.database() != null) {
            env.put(DATABASE_PASSWORD_ENV, w.postgresPassword());
        }
        s.env().forEach((k, v) -> env.put(k, ServiceDefs.expand(v, vars)));
        for (String secret : w.secrets()) {
            if (cmd.stream().anyMatch(a -> a.contains(secret))) {
                throw new IllegalStateException(s.name() + ": a secret would be on its command line (see its jvm-args)");
            }
        }
        return new ServiceCommand(List.copyOf(cmd), env, l.state.resolve("services").resolve(s.name()));
    }

    /** Where DJL keeps engines and models: $DJL_CACHE_DIR when set (as ./sculptor sets it), else ~/.djl.ai. */
    static String djlCacheDir() {
        String env = System.getenv("DJL_CACHE_DIR");
        return env != null && !env.isBlank() ? env : Path.of(System.getProperty("user.home"), ".djl.ai").toString();
    }
}
