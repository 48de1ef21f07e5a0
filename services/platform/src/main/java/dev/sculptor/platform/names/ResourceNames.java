package dev.sculptor.platform.names;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Pattern;

/**
 * The resource names of the platform (AIP-122), one grammar per collection:
 * <ul>
 * <li>{@code models/{model}}, {@code models/{model}/versions/{version}} ({@link VersionName}) and
 * {@code models/{model}/aliases/{alias}} ({@link AliasName}): the registry's grammar, any segment
 * without {@code /} (but {@code .} and {@code ..}, which would leave the model's place in the store);
 * the registry answers NOT_FOUND for what it does not hold.
 * <li>{@code trainingRuns/{run}} and {@code evaluations/{evaluation}}: ids of letters, digits and
 * {@code . _ -}, starting with a letter or digit, at most 128 long, since the saga names them
 * {@code {job}-{role}} and their checkpoints live under their ids.
 * <li>{@code pruneJobs/{job}} and {@code repruneTriggers/{trigger}}: {@link #NEW_ID}.
 * </ul>
 * Ids that a client (or a service) chooses for a new resource, a model, alias, training run, prune
 * job or trigger, are {@link #NEW_ID}s ({@link #checkNewId}).
 */
public final class ResourceNames {
    /** A new resource's id: a lower-case letter, then up to 62 lower-case letters, digits or '-'. */
    public static final Pattern NEW_ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    /** A path segment of the registry's names. */
    static final String SEGMENT = "(?!\\.\\.?(?:/|$))[^/]+";
    private static final String DERIVED_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

    public static final Collection MODELS = new Collection("models", "model", SEGMENT);
    public static final Collection TRAINING_RUNS = new Collection("trainingRuns", "run", DERIVED_ID);
    public static final Collection EVALUATIONS = new Collection("evaluations", "evaluation", DERIVED_ID);
    public static final Collection PRUNE_JOBS = new Collection("pruneJobs", "job", NEW_ID.pattern());
    public static final Collection REPRUNE_TRIGGERS = new Collection("repruneTriggers", "trigger", NEW_ID.pattern());

    private ResourceNames() {}

    /**
     * Checks a new resource's id.
     *
     * @throws PlatformException INVALID_ARGUMENT naming {@code field}: empty, or not a {@link #NEW_ID}
     */
    public static String checkNewId(String field, String id) {
        if (id == null || id.isEmpty()) {
            throw PlatformException.invalid(field, "is required");
        }
        if (!NEW_ID.matcher(id).matches()) {
            throw PlatformException.invalid(field, "'" + id + "' must match " + NEW_ID.pattern());
        }
        return id;
    }
}
