package dev.sculptor.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resource names people type, turned into the registry's full names (AIP-122).
 *
 * <ul>
 *   <li>a model: {@code demo} or {@code models/demo};
 *   <li>a version: {@code models/demo/versions/3}, {@code demo/3}, or {@code demo/production} (an alias; the registry
 *       resolves {@code models/demo/versions/production});
 *   <li>inside a command that already names the model (alias, {@code --parent}): also just {@code 3} or
 *       {@code production}.
 * </ul>
 *
 * Prune jobs, re-prune triggers and training runs: {@code abc} or {@code pruneJobs/abc} ({@code repruneTriggers/...},
 * {@code trainingRuns/...}).
 *
 * <p>Only the shape is checked here; the services check the ids themselves and answer INVALID_ARGUMENT or NOT_FOUND.
 */
final class Names {
    private Names() {}

    private static final Pattern SEGMENT = Pattern.compile("[^/\\s]+");
    private static final Pattern FULL_MODEL = Pattern.compile("models/([^/\\s]+)");
    private static final Pattern FULL_VERSION = Pattern.compile("models/([^/\\s]+)/versions/([^/\\s]+)");
    private static final Pattern SHORT_VERSION = Pattern.compile("([^/\\s]+)/([^/\\s]+)");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

    /** {@code demo} or {@code models/demo} to {@code models/demo}. */
    static String model(String s) {
        String in = s == null ? "" : s.trim();
        Matcher full = FULL_MODEL.matcher(in);
        if (full.matches()) {
            return in;
        }
        if (SEGMENT.matcher(in).matches() && !in.equals("models")) {
            return "models/" + in;
        }
        throw CliException.usage("'" + s + "' is not a model: use <model> or models/<model>");
    }

    /** The {@code {model}} of a model name ({@code demo} or {@code models/demo}). */
    static String modelId(String s) {
        return model(s).substring("models/".length());
    }

    /** {@code models/m/versions/v}, {@code m/v} (v a number or an alias) to {@code models/m/versions/v}. */
    static String version(String s) {
        String in = s == null ? "" : s.trim();
        if (FULL_VERSION.matcher(in).matches()) {
            return in;
        }
        Matcher m = SHORT_VERSION.matcher(in);
        if (m.matches() && !m.group(1).equals("models")) {
            return "models/" + m.group(1) + "/versions/" + m.group(2);
        }
        throw CliException.usage("'" + s + "' is not a version: use models/<model>/versions/<n>, <model>/<n> or <model>/<alias>");
    }

    /**
     * A version of a model the command already names: a bare number or alias ({@code 3}, {@code production}) is taken
     * as a version of {@code model}; anything else as in {@link #version(String)}.
     */
    static String version(String model, String s) {
        String in = s == null ? "" : s.trim();
        if (SEGMENT.matcher(in).matches()) {
            return model(model) + "/versions/" + in;
        }
        return version(in);
    }

    /** The model part of a full version name, {@code models/m}. */
    static String modelOfVersion(String fullVersion) {
        Matcher m = FULL_VERSION.matcher(fullVersion);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a full version name: " + fullVersion);
        }
        return "models/" + m.group(1);
    }

    /** True when the full version name ends in a number rather than an alias. */
    static boolean isNumbered(String fullVersion) {
        Matcher m = FULL_VERSION.matcher(fullVersion);
        return m.matches() && NUMBER.matcher(m.group(2)).matches();
    }

    /** {@code models/m/aliases/a} for a model (either form) and an alias id. */
    static String alias(String model, String alias) {
        String a = alias == null ? "" : alias.trim();
        if (!SEGMENT.matcher(a).matches()) {
            throw CliException.usage("'" + alias + "' is not an alias");
        }
        return model(model) + "/aliases/" + a;
    }

    /** {@code abc} or {@code pruneJobs/abc} to {@code pruneJobs/abc}. */
    static String job(String s) {
        return resource("pruneJobs", "prune job", s);
    }

    /** {@code abc} or {@code repruneTriggers/abc} to {@code repruneTriggers/abc}. */
    static String trigger(String s) {
        return resource("repruneTriggers", "re-prune trigger", s);
    }

    /** {@code abc} or {@code trainingRuns/abc} to {@code trainingRuns/abc}. */
    static String run(String s) {
        return resource("trainingRuns", "training run", s);
    }

    private static String resource(String collection, String what, String s) {
        String in = s == null ? "" : s.trim();
        String id = in.startsWith(collection + "/") ? in.substring(collection.length() + 1) : in;
        if (!SEGMENT.matcher(id).matches() || id.equals(collection)) {
            throw CliException.usage("'" + s + "' is not a " + what + ": use <id> or " + collection + "/<id>");
        }
        return collection + "/" + id;
    }
}
