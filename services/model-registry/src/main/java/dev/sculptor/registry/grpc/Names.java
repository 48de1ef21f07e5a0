package dev.sculptor.registry.grpc;

import dev.sculptor.registry.service.RegistryException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the registry's resource names (AIP-122). */
final class Names {
    private Names() {}

    private static final Pattern MODEL = Pattern.compile("models/([^/]+)");
    private static final Pattern VERSION = Pattern.compile("models/([^/]+)/versions/([^/]+)");
    private static final Pattern ALIAS = Pattern.compile("models/([^/]+)/aliases/([^/]+)");

    /** A version reference: a number, or an alias to resolve. */
    record VersionRef(String model, Integer number, String alias) {}

    static String model(String field, String name) {
        Matcher m = match(field, name, MODEL, "models/{model}");
        return m.group(1);
    }

    static VersionRef version(String field, String name) {
        Matcher m = match(field, name, VERSION, "models/{model}/versions/{version}");
        String v = m.group(2);
        if (v.matches("[0-9]+")) {
            try {
                return new VersionRef(m.group(1), Integer.parseInt(v), null);
            } catch (NumberFormatException e) {
                throw RegistryException.invalid(field, "version number " + v + " is out of range");
            }
        }
        return new VersionRef(m.group(1), null, v);
    }

    static String[] alias(String field, String name) {
        Matcher m = match(field, name, ALIAS, "models/{model}/aliases/{alias}");
        return new String[] {m.group(1), m.group(2)};
    }

    static String version(String model, int number) {
        return "models/" + model + "/versions/" + number;
    }

    private static Matcher match(String field, String name, Pattern p, String shape) {
        if (name == null || name.isEmpty()) {
            throw RegistryException.invalid(field, "is required (" + shape + ")");
        }
        Matcher m = p.matcher(name);
        if (!m.matches()) {
            throw RegistryException.invalid(field, "'" + name + "' is not a resource name of the form " + shape);
        }
        return m;
    }
}
