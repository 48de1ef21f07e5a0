package dev.sculptor.registry.store;

import dev.sculptor.registry.service.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AIP-160 subset the registry's List methods understand: terms joined by {@code AND}, each
 * {@code field = "value"} or {@code field: "value"} (has), on the fields a method allows. Turned
 * into a parametrised SQL condition; anything else is INVALID_ARGUMENT naming the term.
 */
public record Filter(String sql, List<String> params) {
    public static final Filter NONE = new Filter("TRUE", List.of());

    private static final Pattern TERM = Pattern.compile("([a-z_][a-z0-9_]*(?:\\.[A-Za-z0-9_-]+)?)\\s*(=|:)\\s*(\"([^\"]*)\"|([A-Za-z0-9_./-]+))");

    /**
     * @param fields allowed field (or field prefix ending in '.') to a SQL template with one '?'
     *     (or '%s' for the key after a prefix, then '?')
     */
    public static Filter parse(String text, Map<String, String> fields) {
        return parse(text, fields, k -> k);
    }

    /** As {@link #parse(String, Map)}, mapping the key after a prefix (e.g. to stored JSON names). */
    public static Filter parse(String text, Map<String, String> fields, java.util.function.UnaryOperator<String> keys) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<String> sql = new ArrayList<>();
        List<String> params = new ArrayList<>();
        for (String term : text.trim().split("\\s+AND\\s+")) {
            Matcher m = TERM.matcher(term.trim());
            if (!m.matches()) {
                throw RegistryException.invalid("filter", "cannot read '" + term.trim() + "': use field = \"value\" terms joined"
                        + " by AND (fields: " + String.join(", ", fields.keySet()) + ")");
            }
            String field = m.group(1);
            String value = m.group(4) != null ? m.group(4) : m.group(5);
            String template = fields.get(field);
            String key = null;
            if (template == null) {
                int dot = field.indexOf('.');
                if (dot > 0 && fields.containsKey(field.substring(0, dot + 1))) {
                    template = fields.get(field.substring(0, dot + 1));
                    key = field.substring(dot + 1);
                }
            }
            if (template == null) {
                throw RegistryException.invalid("filter", "field '" + field + "' cannot be filtered on (fields: "
                        + String.join(", ", fields.keySet()) + ")");
            }
            if (key != null) {
                params.add(keys.apply(key));
            }
            sql.add(template);
            params.add(value);
        }
        return new Filter("(" + String.join(" AND ", sql) + ")", List.copyOf(params));
    }
}
