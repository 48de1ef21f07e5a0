package dev.sculptor.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a service is and which token to send. For the service named {@code S} (as in the local stack's
 * {@code endpoints.json}: {@code model-registry}, {@code pruning}, {@code training}, ...), the endpoint and the token
 * are each taken from the first of: the command's flag ({@code --endpoint}, {@code --token}), the environment
 * ({@code SCULPTOR_S_ENDPOINT} with {@code S} upper-cased and {@code -} as {@code _}, e.g.
 * {@code SCULPTOR_PRUNING_ENDPOINT}; for the registry also the older {@code SCULPTOR_ENDPOINT}; {@code SCULPTOR_TOKEN}),
 * the local stack's {@code endpoints.json} ({@code services.S.grpc}; the token is read from the file that
 * {@code tokenFiles} names for the role the command needs: {@link #READ} for commands that only read, else
 * {@link #ADMIN}) in {@code $SCULPTOR_HOME/local}, else {@code <repo>/.sculptor/local}. An {@code endpoints.json} written
 * before the stack kept one token per role has {@code adminToken} instead, used for both.
 *
 * <p>The local tokens are only sent to the local stack: with an endpoint from a flag or the environment, they are used
 * only when that endpoint is one that {@code endpoints.json} names.
 */
final class Endpoints {
    private Endpoints() {}

    /** The model registry's endpoint (older name, kept): {@code SCULPTOR_MODEL_REGISTRY_ENDPOINT} wins over it. */
    static final String ENV_ENDPOINT = "SCULPTOR_ENDPOINT";
    static final String ENV_TOKEN = "SCULPTOR_TOKEN";
    static final String ENV_HOME = "SCULPTOR_HOME";
    static final String ENV_ROOT = "SCULPTOR_ROOT";
    static final String MODEL_REGISTRY = "model-registry";
    static final String PRUNING = "pruning";
    static final String TRAINING = "training";
    /** The local stack's token roles the CLI uses (names as in endpoints.json's {@code tokenFiles}). */
    static final String READ = "read";
    static final String ADMIN = "admin";

    /** A resolved endpoint of one service: host and port, the token (null: none), and where the endpoint came from. */
    record Target(String service, String host, int port, String token, String source) {
        /** A target of the model registry. */
        Target(String host, int port, String token, String source) {
            this(MODEL_REGISTRY, host, port, token, source);
        }

        String address() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        /** The service in words, e.g. "the model registry", "the pruning service". */
        String label() {
            return Endpoints.label(service);
        }

        /** True when the endpoint is this machine (the local stack is the likely server). */
        boolean loopback() {
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException | SecurityException e) {
                return false;
            }
        }
    }

    /** "the model registry", "the pruning service", ... */
    static String label(String service) {
        return service.equals(MODEL_REGISTRY) ? "the model registry" : "the " + service + " service";
    }

    /** The environment variable that overrides a service's endpoint, e.g. {@code SCULPTOR_PRUNING_ENDPOINT}. */
    static String envVariable(String service) {
        return "SCULPTOR_" + service.toUpperCase(Locale.ROOT).replace('-', '_') + "_ENDPOINT";
    }

    /** Resolves the model registry's target (flag {@code --endpoint}). */
    static Target resolve(String flagEndpoint, String flagToken, Map<String, String> env, Path codeSource) {
        return resolve(MODEL_REGISTRY, "--endpoint", flagEndpoint, flagToken, env, codeSource);
    }

    /** Resolves a service's target for a command that changes something (the local stack's admin token). */
    static Target resolve(String service, String flagName, String flagEndpoint, String flagToken, Map<String, String> env,
            Path codeSource) {
        return resolve(service, flagName, flagEndpoint, flagToken, env, codeSource, ADMIN);
    }

    /**
     * Resolves a service's target from its flag ({@code flagName}, value null when not given), the environment, and the
     * local stack's state; {@code role} ({@link #READ} or {@link #ADMIN}) chooses the local stack's token.
     */
    static Target resolve(String service, String flagName, String flagEndpoint, String flagToken, Map<String, String> env,
            Path codeSource, String role) {
        String specific = envVariable(service);
        String variable = !isBlank(env.get(specific)) ? specific
                : service.equals(MODEL_REGISTRY) && !isBlank(env.get(ENV_ENDPOINT)) ? ENV_ENDPOINT : null;
        String endpoint = firstNonBlank(flagEndpoint, variable == null ? null : env.get(variable));
        String source = !isBlank(flagEndpoint) ? flagName : variable;
        String token = firstNonBlank(flagToken, env.get(ENV_TOKEN));
        Path file = stateDir(env, codeSource).resolve("endpoints.json");
        if (endpoint == null) {
            String setVar = service.equals(MODEL_REGISTRY) ? ENV_ENDPOINT : specific;
            if (!Files.isRegularFile(file)) {
                throw CliException.failure("no local stack found (" + file + " does not exist): start it with ./sculptor up,"
                        + " or pass " + flagName + " host:port (or set " + setVar + ")");
            }
            Local local = readLocal(file);
            if (local.grpc(service) == null) {
                throw CliException.failure("the local stack (" + file + ") does not run " + label(service)
                        + (local.services().isEmpty() ? "" : " (it runs " + String.join(", ", local.services().keySet()) + ")")
                        + ": see ./sculptor status, or pass " + flagName + " host:port");
            }
            endpoint = local.grpc(service);
            source = file.toString();
            if (token == null) {
                token = local.token(role);
            }
        } else if (token == null && Files.isRegularFile(file)) {
            try {
                Local local = readLocal(file);
                String given = endpoint;
                if (local.services().values().stream().anyMatch(g -> sameEndpoint(g, given))) {
                    token = local.token(role);
                }
            } catch (CliException e) {
                // A damaged endpoints.json only costs the token; the endpoint was given.
            }
        }
        String[] hp = parseEndpoint(endpoint, source != null && source.equals(file.toString())
                ? file + ": services." + service + ".grpc" : source);
        return new Target(service, hp[0], Integer.parseInt(hp[1]), token, source);
    }

    /**
     * What endpoints.json ({@code file}) says: each running service's gRPC endpoint, where each role's token is kept, and
     * the admin token itself when it was written before the stack kept tokens in files ({@code legacyAdminToken}).
     */
    record Local(Path file, Map<String, String> services, Map<String, Path> tokenFiles, String legacyAdminToken) {
        String grpc(String service) {
            return services.get(service);
        }

        /** The token of {@code role}, else the admin token (which covers every role), else null; read when asked for. */
        String token(String role) {
            String r = tokenFiles.containsKey(role) ? role : ADMIN;
            return tokenFiles.containsKey(r) ? readToken(file, r, tokenFiles.get(r)) : legacyAdminToken;
        }
    }

    static Local readLocal(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.failure(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw CliException.failure(file + ": not a JSON object");
            }
            JsonObject o = root.getAsJsonObject();
            Map<String, Path> tokenFiles = new LinkedHashMap<>();
            if (o.get("tokenFiles") instanceof JsonObject files) {
                for (String role : files.keySet()) {
                    if (string(files, role) != null) {
                        tokenFiles.put(role, Path.of(string(files, role)));
                    }
                }
            }
            Map<String, String> grpc = new LinkedHashMap<>();
            if (o.get("services") instanceof JsonObject services) {
                for (Map.Entry<String, JsonElement> e : services.entrySet()) {
                    if (e.getValue() instanceof JsonObject svc && string(svc, "grpc") != null) {
                        grpc.put(e.getKey(), string(svc, "grpc"));
                    }
                }
            }
            return new Local(file, grpc, tokenFiles, string(o, "adminToken"));
        } catch (JsonParseException | IllegalStateException e) {
            throw CliException.failure(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** A token kept in a file of its own (owner-only: the local stack writes it with mode 600). */
    private static String readToken(Path endpoints, String role, Path file) {
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (t.isEmpty()) {
                throw CliException.failure(file + " (the local stack's " + role + " token, named by " + endpoints + ") is empty");
            }
            return t;
        } catch (IOException e) {
            throw CliException.failure("cannot read the local stack's " + role + " token from " + file + " (named by " + endpoints
                    + "): " + e.getMessage(), e);
        }
    }

    /** {@code $SCULPTOR_HOME/local}, else {@code <repo>/.sculptor/local}. */
    static Path stateDir(Map<String, String> env, Path codeSource) {
        String home = env.get(ENV_HOME);
        if (!isBlank(home)) {
            return Path.of(home).toAbsolutePath().normalize().resolve("local");
        }
        return repo(env, codeSource).resolve(".sculptor").resolve("local");
    }

    /**
     * The repository: {@code SCULPTOR_ROOT} when set, else the nearest directory above the code (the jar is
     * {@code <repo>/cli/target/sculptor-cli.jar}) holding the {@code sculptor} script and {@code pom.xml}, else
     * three levels above the jar.
     */
    static Path repo(Map<String, String> env, Path codeSource) {
        String root = env.get(ENV_ROOT);
        if (!isBlank(root)) {
            return Path.of(root).toAbsolutePath().normalize();
        }
        Path here = codeSource.toAbsolutePath().normalize();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("sculptor")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        Path guess = here;
        for (int i = 0; i < 3 && guess.getParent() != null; i++) {
            guess = guess.getParent();
        }
        return guess;
    }

    /** Splits {@code host:port} (or {@code [v6]:port}); a usage error names the flag or variable it came from. */
    static String[] parseEndpoint(String endpoint, String source) {
        String e = endpoint.trim();
        if (e.startsWith("http://") || e.startsWith("https://") || e.startsWith("dns:///")) {
            e = e.substring(e.indexOf("//") + 2);
            e = e.startsWith("/") ? e.substring(1) : e;
            e = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
        }
        int colon = e.lastIndexOf(':');
        String host = colon > 0 ? e.substring(0, colon) : "";
        String port = colon > 0 ? e.substring(colon + 1) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean ok = !host.isEmpty() && !host.contains("/") && port.matches("[0-9]{1,5}") && Integer.parseInt(port) > 0
                && Integer.parseInt(port) < 65536;
        if (!ok) {
            String what = source == null ? "the endpoint" : source;
            throw CliException.usage(what + " must be host:port, got '" + endpoint + "'");
        }
        return new String[] {host, port};
    }

    private static boolean sameEndpoint(String a, String b) {
        try {
            String[] x = parseEndpoint(a, null);
            String[] y = parseEndpoint(b, null);
            return x[1].equals(y[1]) && (x[0].equalsIgnoreCase(y[0]) || (isLoopbackName(x[0]) && isLoopbackName(y[0])));
        } catch (CliException e) {
            return false;
        }
    }

    private static boolean isLoopbackName(String host) {
        return host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() || e.getAsString().isBlank() ? null : e.getAsString();
    }

    private static String firstNonBlank(String a, String b) {
        return !isBlank(a) ? a.trim() : !isBlank(b) ? b.trim() : null;
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
