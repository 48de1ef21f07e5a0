package dev.sculptor.platform.names;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of one top-level collection, {@code collection/{id}} (AIP-122), with the grammar of its
 * ids. The constants of {@link ResourceNames} are the collections the services serve or refer to.
 */
public final class Collection {
    private final String collection;
    private final String placeholder;
    private final Pattern names;
    private final String rule;

    /**
     * @param collection the collection id, e.g. {@code trainingRuns}
     * @param placeholder the id's name in the form, e.g. {@code run} for {@code trainingRuns/{run}}
     * @param id the grammar of an id (a regular expression without groups)
     * @param rule the grammar in words, for messages
     */
    Collection(String collection, String placeholder, String id, String rule) {
        this.collection = collection;
        this.placeholder = placeholder;
        this.names = Pattern.compile(Pattern.quote(collection + "/") + "(" + id + ")");
        this.rule = rule;
    }

    /** {@code collection/{placeholder}}, as error messages show it. */
    public String form() {
        return collection + "/{" + placeholder + "}";
    }

    /** The name of the resource with this id. */
    public String name(String id) {
        return collection + "/" + id;
    }

    /**
     * The id in {@code name}.
     *
     * @param field the request field holding the name, for the message
     * @throws PlatformException INVALID_ARGUMENT naming {@code field}: empty, or not of this collection's
     *     form (its message quotes at most {@link ResourceNames#QUOTED} characters of {@code name})
     */
    public String id(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw ResourceNames.required(field, form());
        }
        String id = idOrNull(name);
        if (id == null) {
            throw ResourceNames.notOfForm(field, name, form(), rule);
        }
        return id;
    }

    /** The id in {@code name}, or null when it is not a name of this collection (null and overlong names included). */
    public String idOrNull(String name) {
        if (name == null || name.length() > ResourceNames.MAX_NAME) {
            return null;
        }
        Matcher m = names.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    /** Checks {@code name} as {@link #id} does. */
    public void check(String field, String name) {
        id(field, name);
    }

    @Override
    public String toString() {
        return form();
    }
}
