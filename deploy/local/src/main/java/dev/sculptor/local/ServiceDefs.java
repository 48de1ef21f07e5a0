package dev.sculptor.local;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The services that {@code up} starts, read from {@code deploy/local/services.properties}.
 *
 * <pre>
 * services=model-registry,pruning            # order of start; only these names are read
 * NAME.jar=services/NAME/target/quarkus-app/quarkus-run.jar   # required; relative to the repository root
 * NAME.port-offset=0                          # HTTP+gRPC port = --port-base + offset (default: index in list)
 * NAME.health=/q/health/ready                 # default /q/health/ready
 * NAME.database=registry                      # optional: PostgreSQL database (created by up) and datasource flags
 * NAME.xmx=512m                               # default 512m
 * NAME.jvm-args=-XX:+UseSerialGC              # optional, extra JVM flags separated by spaces
 * NAME.sysprop.KEY=VALUE                      # extra -DKEY=VALUE
 * NAME.env.KEY=VALUE                          # extra environment variable
 * </pre>
 * Values of sysprop and env may use ${state}, ${repo}, ${kafka.bootstrap}, ${s3.endpoint}, ${postgres.port} and
 * ${OTHER-SERVICE.port}; env values also ${admin.token}, ${write.token} and ${read.token} (a sysprop naming one is refused:
 * command lines are visible to every local user).
 */
final class ServiceDefs {
    record Service(String name, Path jar, int portOffset, String health, String database, String xmx,
            List<String> jvmArgs, Map<String, String> sysprops, Map<String, String> env) {}

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    /** Placeholders that stand for a secret: only environment variables may carry them. */
    private static final Pattern SECRET_PLACEHOLDER = Pattern.compile("\\$\\{[a-z]+\\.token}");

    private ServiceDefs() {}

    static List<Service> load(Path file, Path repo) throws IOException {
        if (file == null || !Files.isRegularFile(file)) {
            return List.of();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        List<Service> out = new ArrayList<>();
        String list = p.getProperty("services", "").trim();
        List<String> names = list.isEmpty() ? List.of() : Arrays.stream(list.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (!NAME.matcher(n).matches() || Infrastructure.COMPONENTS.contains(n)) {
                throw new IllegalArgumentException(file + ": bad service name '" + n + "'");
            }
            String jar = p.getProperty(n + ".jar");
            if (jar == null || jar.isBlank()) {
                throw new IllegalArgumentException(file + ": " + n + ".jar is missing");
            }
            Path jarPath = repo.resolve(jar.trim()).normalize();
            int offset;
            try {
                offset = Integer.parseInt(p.getProperty(n + ".port-offset", Integer.toString(i)).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": " + n + ".port-offset is not a number");
            }
            String db = p.getProperty(n + ".database", "").trim();
            String jvm = p.getProperty(n + ".jvm-args", "").trim();
            Map<String, String> sys = new LinkedHashMap<>();
            Map<String, String> env = new LinkedHashMap<>();
            p.stringPropertyNames().stream().sorted().forEach(k -> {
                if (k.startsWith(n + ".sysprop.")) {
                    if (SECRET_PLACEHOLDER.matcher(p.getProperty(k)).find()) {
                        throw new IllegalArgumentException(file + ": " + k + " names a token, which would be on the command line"
                                + " for every local user to read; pass it as " + n + ".env.VARIABLE instead");
                    }
                    sys.put(k.substring((n + ".sysprop.").length()), p.getProperty(k).trim());
                } else if (k.startsWith(n + ".env.")) {
                    env.put(k.substring((n + ".env.").length()), p.getProperty(k).trim());
                }
            });
            out.add(new Service(n, jarPath, offset, p.getProperty(n + ".health", "/q/health/ready").trim(),
                    db.isEmpty() ? null : db, p.getProperty(n + ".xmx", "512m").trim(),
                    jvm.isEmpty() ? List.of() : Arrays.asList(jvm.split("\\s+")), sys, env));
        }
        return out;
    }

    static String expand(String value, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("unknown placeholder ${" + m.group(1) + "} in '" + value + "'");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
