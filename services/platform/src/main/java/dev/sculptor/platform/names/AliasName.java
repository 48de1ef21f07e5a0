package dev.sculptor.platform.names;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An alias's name, {@code models/{model}/aliases/{alias}}. */
public record AliasName(String model, String alias) {
    private static final String FORM = "models/{model}/aliases/{alias}";
    private static final Pattern ALIAS = Pattern.compile("models/(" + ResourceNames.ID + ")/aliases/(" + ResourceNames.ID + ")");

    /**
     * @param field the request field holding the name, for the message
     * @throws PlatformException INVALID_ARGUMENT naming {@code field}
     */
    public static AliasName parse(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw ResourceNames.required(field, FORM);
        }
        Matcher m = ALIAS.matcher(name.length() > ResourceNames.MAX_NAME ? "" : name);
        if (!m.matches()) {
            throw ResourceNames.notOfForm(field, name, FORM, ResourceNames.ID_RULE);
        }
        return new AliasName(m.group(1), m.group(2));
    }

    public String name() {
        return ResourceNames.MODELS.name(model) + "/aliases/" + alias;
    }

    /** The numbered version of the same model this alias may point at. */
    public VersionName version(int number) {
        return VersionName.of(model, number);
    }
}
