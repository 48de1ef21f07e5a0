package dev.sculptor.platform.names;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Pattern;

/**
 * The resource names of the platform (AIP-122), one grammar per collection, checked before any
 * lookup so that nothing else (a NUL byte, Unicode, SQL, a 10,000-character string) ever reaches a
 * query:
 * <ul>
 * <li>{@code models/{model}}, {@code models/{model}/versions/{version}} ({@link VersionName}) and
 * {@code models/{model}/aliases/{alias}} ({@link AliasName}), {@code trainingRuns/{run}} and
 * {@code evaluations/{evaluation}}: {@link #ID ids} (a version is a number or an alias id). Every id
 * the services create fits (models and aliases are {@link #NEW_ID}s, runs and evaluations are
 * {@code {job}-{role}} or a client's {@link #NEW_ID}); the registry answers NOT_FOUND for what it does
 * not hold.
 * <li>{@code pruneJobs/{job}} and {@code repruneTriggers/{trigger}}: {@link #NEW_ID}.
 * </ul>
 * No name is longer than {@link #MAX_NAME}. Ids that a client (or a service) chooses for a new
 * resource, a model, alias, training run, prune job or trigger, are {@link #NEW_ID}s
 * ({@link #checkNewId}). A refusal quotes at most {@link #QUOTED} characters of what was given
 * ({@link #quote}) and says what the grammar is.
 */
public final class ResourceNames {
    /** A new resource's id: a lower-case letter, then up to 62 lower-case letters, digits or '-'. */
    public static final Pattern NEW_ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    /** The longest name any request field takes. */
    public static final int MAX_NAME = 256;
    /** The most characters of a client's input that a message quotes. */
    public static final int QUOTED = 64;

    /** An id within a name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 long. */
    static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    /** {@link #ID} as messages say it. */
    static final String ID_RULE = "ids are letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 long";
    private static final String NEW_ID_RULE = "ids match " + NEW_ID.pattern();

    public static final Collection MODELS = new Collection("models", "model", ID, ID_RULE);
    public static final Collection TRAINING_RUNS = new Collection("trainingRuns", "run", ID, ID_RULE);
    public static final Collection EVALUATIONS = new Collection("evaluations", "evaluation", ID, ID_RULE);
    public static final Collection PRUNE_JOBS = new Collection("pruneJobs", "job", NEW_ID.pattern(), NEW_ID_RULE);
    public static final Collection REPRUNE_TRIGGERS = new Collection("repruneTriggers", "trigger", NEW_ID.pattern(), NEW_ID_RULE);

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
            throw PlatformException.invalid(field, quote(id) + " must match " + NEW_ID.pattern());
        }
        return id;
    }

    /**
     * What a message may echo of a client's input: in single quotes, at most {@link #QUOTED} characters
     * (then {@code ...} and the whole length), control and other invisible characters written as
     * {@code \\uXXXX}, so that a message stays short and readable whatever was sent.
     */
    public static String quote(String given) {
        if (given == null) {
            return "''";
        }
        StringBuilder b = new StringBuilder("'");
        int shown = 0;
        int i = 0;
        while (i < given.length() && shown < QUOTED) {
            int cp = given.codePointAt(i);
            if (visible(cp)) {
                b.appendCodePoint(cp);
            } else {
                for (char ch : Character.toChars(cp)) {
                    b.append(String.format("\\u%04x", (int) ch));
                }
            }
            i += Character.charCount(cp);
            shown++;
        }
        b.append('\'');
        if (i < given.length()) {
            b.insert(b.length() - 1, "...").append(" (").append(given.codePointCount(0, given.length())).append(" characters)");
        }
        return b.toString();
    }

    private static boolean visible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * INVALID_ARGUMENT for a name that is not of {@code form}: too long, or not of the grammar, which
     * {@code rule} says in words.
     */
    static PlatformException notOfForm(String field, String name, String form, String rule) {
        if (name.length() > MAX_NAME) {
            return PlatformException.invalid(field, quote(name) + " is not a resource name of the form " + form
                    + ": names are at most " + MAX_NAME + " characters long");
        }
        return PlatformException.invalid(field, quote(name) + " is not a resource name of the form " + form + ": " + rule);
    }

    /** INVALID_ARGUMENT when a required name is empty. */
    static PlatformException required(String field, String form) {
        return PlatformException.invalid(field, "is required (" + form + ")");
    }
}
