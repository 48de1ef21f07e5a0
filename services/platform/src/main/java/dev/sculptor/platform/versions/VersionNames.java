package dev.sculptor.platform.versions;

import dev.sculptor.platform.errors.PlatformException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses version names (AIP-122), as the registry does. */
public final class VersionNames {
    private static final Pattern VERSION = Pattern.compile("models/([^/]+)/versions/([^/]+)");
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private VersionNames() {}

    /** A parsed name: the version number, or null with the alias. */
    public record Ref(String model, Integer number, String alias) {
        public String numbered() {
            return "models/" + model + "/versions/" + number;
        }

        /** Where the registry keeps the checkpoint of a numbered version. */
        public String prefix() {
            return "models/" + model + "/versions/" + number + "/";
        }
    }

    public static Ref parse(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw PlatformException.invalid(field, "is required (models/{model}/versions/{version})");
        }
        Matcher m = VERSION.matcher(name);
        if (!m.matches() || !MODEL_ID.matcher(m.group(1)).matches() || !MODEL_ID.matcher(m.group(2)).matches()) {
            throw PlatformException.invalid(field, "'" + name + "' is not a resource name of the form models/{model}/versions/{version}");
        }
        String v = m.group(2);
        if (v.matches("[0-9]+")) {
            try {
                return new Ref(m.group(1), Integer.parseInt(v), null);
            } catch (NumberFormatException e) {
                throw PlatformException.invalid(field, "version number " + v + " is out of range");
            }
        }
        return new Ref(m.group(1), null, v);
    }
}
