package dev.sculptor.platform.names;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model version's name, {@code models/{model}/versions/{version}}: a number, or an alias the
 * registry resolves.
 *
 * @param model the model's id
 * @param number the version number; null when named by alias
 * @param alias the alias; null when named by number
 */
public record VersionName(String model, Integer number, String alias) {
    static final String FORM = "models/{model}/versions/{version}";
    private static final String RULE = "the version is a number or an alias; " + ResourceNames.ID_RULE;
    private static final Pattern VERSION = Pattern.compile("models/(" + ResourceNames.ID + ")/versions/(" + ResourceNames.ID + ")");

    /** A numbered version's name. */
    public static VersionName of(String model, int number) {
        return new VersionName(model, number, null);
    }

    /**
     * @param field the request field holding the name, for the message
     * @throws PlatformException INVALID_ARGUMENT naming {@code field}
     */
    public static VersionName parse(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw ResourceNames.required(field, FORM);
        }
        Matcher m = VERSION.matcher(name.length() > ResourceNames.MAX_NAME ? "" : name);
        if (!m.matches()) {
            throw ResourceNames.notOfForm(field, name, FORM, RULE);
        }
        String v = m.group(2);
        if (v.matches("[0-9]+")) {
            try {
                return new VersionName(m.group(1), Integer.parseInt(v), null);
            } catch (NumberFormatException e) {
                throw PlatformException.invalid(field, "version number " + v + " is out of range");
            }
        }
        return new VersionName(m.group(1), null, v);
    }

    /**
     * As {@link #parse}, for a field that takes numbered versions only.
     *
     * @throws PlatformException INVALID_ARGUMENT naming {@code field}, also for an alias
     */
    public static VersionName parseNumbered(String field, String name) {
        VersionName v;
        try {
            v = parse(field, name);
        } catch (PlatformException e) {
            v = null;
        }
        if (v == null || v.number() == null) {
            throw PlatformException.invalid(field, ResourceNames.quote(name)
                    + " is not a numbered version name of the form models/{model}/versions/{n}");
        }
        return v;
    }

    /** {@code models/{model}}. */
    public String modelName() {
        return ResourceNames.MODELS.name(model);
    }

    /** The name as given: by number or by alias. */
    public String name() {
        return modelName() + "/versions/" + (number != null ? number : alias);
    }

    /** The numbered name; only for a version named by number. */
    public String numbered() {
        requireNumber();
        return modelName() + "/versions/" + number;
    }

    /** Where the registry keeps the checkpoint of a numbered version: {@code models/{model}/versions/{n}/}. */
    public String prefix() {
        return numbered() + "/";
    }

    private void requireNumber() {
        if (number == null) {
            throw new IllegalStateException(name() + " names a version by alias");
        }
    }
}
