package dev.sculptor.pruning.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resource names of jobs, triggers and what a job asks for; the saga's requests are named after the job so that a retry asks for the same thing. */
public final class Names {
    public static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    static final Pattern JOB = Pattern.compile("pruneJobs/([a-z][a-z0-9-]{0,62})");
    static final Pattern TRIGGER = Pattern.compile("repruneTriggers/([a-z][a-z0-9-]{0,62})");
    static final Pattern MODEL = Pattern.compile("models/([A-Za-z0-9][A-Za-z0-9._-]{0,254})");
    static final Pattern VERSION = Pattern.compile("models/([A-Za-z0-9][A-Za-z0-9._-]{0,254})/versions/([A-Za-z0-9][A-Za-z0-9._-]{0,62})");

    private Names() {}

    public static String job(String id) {
        return "pruneJobs/" + id;
    }

    public static String trigger(String id) {
        return "repruneTriggers/" + id;
    }

    /** The id of {@code pruneJobs/{job}}; INVALID_ARGUMENT naming {@code field} otherwise. */
    public static String jobId(String field, String name) {
        return id(field, name, JOB, "pruneJobs/{job}");
    }

    public static String triggerId(String field, String name) {
        return id(field, name, TRIGGER, "repruneTriggers/{trigger}");
    }

    /** The job id in an event's {@code prune_job}, or null when it names no job of this service's form. */
    public static String jobIdOrNull(String name) {
        Matcher m = JOB.matcher(name == null ? "" : name);
        return m.matches() ? m.group(1) : null;
    }

    private static String id(String field, String name, Pattern p, String form) {
        if (name == null || name.isEmpty()) {
            throw JobException.invalid(field, "is required (" + form + ")");
        }
        Matcher m = p.matcher(name);
        if (!m.matches()) {
            throw JobException.invalid(field, "'" + name + "' is not a resource name of the form " + form);
        }
        return m.group(1);
    }

    /** {@code models/{model}} of a version name. */
    public static String modelOf(String field, String version) {
        Matcher m = VERSION.matcher(version == null ? "" : version);
        if (!m.matches()) {
            throw JobException.invalid(field, "'" + version + "' is not a version name of the form models/{model}/versions/{version}");
        }
        return "models/" + m.group(1);
    }

    public static void checkModel(String field, String model) {
        if (!MODEL.matcher(model == null ? "" : model).matches()) {
            throw JobException.invalid(field, "'" + model + "' is not a model name of the form models/{model}");
        }
    }

    public static void checkId(String field, String id) {
        if (!ID.matcher(id).matches()) {
            throw JobException.invalid(field, "'" + id + "' does not match [a-z][a-z0-9-]{0,62}");
        }
    }

    /** A server-chosen id: a letter, then 15 hex digits of randomness. */
    public static String newId() {
        return "j" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
    }

    /** The id of the job a trigger starts for an event: the same for a redelivered event. */
    public static String triggeredJobId(String triggerId, String eventId) {
        return "t" + sha256Hex(triggerId + "/" + eventId).substring(0, 15);
    }

    /** A UUID fixed by its seed, for idempotent calls (registry request ids) made again after a crash. */
    public static String stableUuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public static String trainingRun(String jobId, String label) {
        return "trainingRuns/" + jobId + "-" + label;
    }

    public static String evaluation(String jobId, String role) {
        return "evaluations/" + jobId + "-" + role;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
