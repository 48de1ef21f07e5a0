package dev.sculptor.platform.store;

import dev.sculptor.platform.errors.PlatformException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AIP-160 subset a List method accepts: {@code field = "value"} terms joined by {@code AND},
 * each field at most once; values quoted (with backslash escapes) or bare words. Field names are
 * the table's column names, so the filter becomes a parametrised SQL condition
 * ({@link #appendWhere}). Build the allowed fields once per method with {@link #fields}.
 *
 * @param equals field to the value it must equal, in the order given
 */
public record ListFilter(Map<String, String> equals) {
    private static final Pattern TERM = Pattern.compile("\\s*([a-z_]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|([A-Za-z_]+))\\s*");
    private static final Pattern AND = Pattern.compile("\\s+AND\\s+");

    public static final ListFilter NONE = new ListFilter(Map.of());

    /** Fields that accept any value. */
    public static Fields fields(String... names) {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, null);
        }
        return new Fields(m);
    }

    /** The fields a List method filters on; some accept only a set of values (an enum such as {@code state}). */
    public static final class Fields {
        private final Map<String, Set<String>> allowed;

        private Fields(Map<String, Set<String>> allowed) {
            this.allowed = allowed;
        }

        /** These fields and {@code field}, which accepts only {@code values}. */
        public Fields withValues(String field, Collection<String> values) {
            Map<String, Set<String>> m = new LinkedHashMap<>(allowed);
            m.put(field, Set.copyOf(values));
            return new Fields(m);
        }

        /** The field names, sorted. */
        public List<String> names() {
            return List.copyOf(new TreeSet<>(allowed.keySet()));
        }

        /**
         * @param filter the request's {@code filter}; blank: everything
         * @throws PlatformException INVALID_ARGUMENT on field {@code filter}, naming the term
         */
        public ListFilter parse(String filter) {
            if (filter == null || filter.isBlank()) {
                return NONE;
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (String term : splitOutsideQuotes(filter.trim())) {
                Matcher m = TERM.matcher(term);
                if (!m.matches()) {
                    throw PlatformException.invalid("filter", "cannot parse '" + term.trim() + "'; expected field = \"value\" terms "
                            + "joined by AND, on " + names());
                }
                String field = m.group(1);
                if (!allowed.containsKey(field)) {
                    throw PlatformException.invalid("filter", "unknown field '" + field + "' (filterable: " + names() + ")");
                }
                String value = m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4);
                Set<String> values = allowed.get(field);
                if (values != null && !values.contains(value)) {
                    throw PlatformException.invalid("filter", field + " must be one of " + new TreeSet<>(values) + ", got '"
                            + value + "'");
                }
                if (out.put(field, value) != null) {
                    throw PlatformException.invalid("filter", "field '" + field + "' appears twice");
                }
            }
            return new ListFilter(Collections.unmodifiableMap(out));
        }
    }

    /** Appends {@code " AND column = ?"} for every term to {@code where}, and the values to {@code args}. */
    public void appendWhere(StringBuilder where, List<Object> args) {
        for (Map.Entry<String, String> e : equals.entrySet()) {
            where.append(" AND ").append(e.getKey()).append(" = ?");
            args.add(e.getValue());
        }
    }

    private static List<String> splitOutsideQuotes(String s) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            cur.append(c);
            if (!quoted) {
                Matcher m = AND.matcher(s).region(i + 1, s.length());
                if (m.lookingAt()) {
                    parts.add(cur.toString());
                    cur.setLength(0);
                    i = m.end() - 1;
                }
            }
        }
        parts.add(cur.toString());
        return parts;
    }
}
