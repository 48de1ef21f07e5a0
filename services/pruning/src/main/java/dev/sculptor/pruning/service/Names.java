package dev.sculptor.pruning.service;

import dev.sculptor.platform.names.ResourceNames;
import dev.sculptor.platform.names.VersionName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The names the saga derives from a job (the grammar of every resource name is the platform's
 * {@link ResourceNames}): server-chosen and trigger-derived job ids, the runs and evaluations a job asks for, and
 * request ids for idempotent registry calls. A retry derives the same names, so it asks for the same things.
 */
public final class Names {
    private Names() {}

    public static String job(String id) {
        return ResourceNames.PRUNE_JOBS.name(id);
    }

    public static String trigger(String id) {
        return ResourceNames.REPRUNE_TRIGGERS.name(id);
    }

    /** The id of {@code pruneJobs/{job}}; INVALID_ARGUMENT naming {@code field} otherwise. */
    public static String jobId(String field, String name) {
        return ResourceNames.PRUNE_JOBS.id(field, name);
    }

    public static String triggerId(String field, String name) {
        return ResourceNames.REPRUNE_TRIGGERS.id(field, name);
    }

    /** The job id in an event's {@code prune_job}, or null when it names no job of this service's form. */
    public static String jobIdOrNull(String name) {
        return ResourceNames.PRUNE_JOBS.idOrNull(name);
    }

    /** {@code models/{model}} of a version name. */
    public static String modelOf(String field, String version) {
        return VersionName.parse(field, version).modelName();
    }

    public static void checkModel(String field, String model) {
        ResourceNames.MODELS.check(field, model);
    }

    public static void checkId(String field, String id) {
        ResourceNames.checkNewId(field, id);
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
        return ResourceNames.TRAINING_RUNS.name(jobId + "-" + label);
    }

    public static String evaluation(String jobId, String role) {
        return ResourceNames.EVALUATIONS.name(jobId + "-" + role);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
