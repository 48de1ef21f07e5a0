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
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AIP-160 subset every List method accepts: terms joined by {@code AND}, each
 * {@code field = value} or {@code field: value} (has); values quoted (with backslash escapes) or
 * bare words of letters, digits and {@code _ . / -}. A field is a name, or a map field's prefix and
 * a key ({@code labels.team}). How a term matches is the field's SQL condition, so the filter
 * becomes a parametrised SQL condition ({@link #appendWhere}); by default a field is the column of
 * its name and matches by equality. Build the allowed fields once per method with {@link #fields}.
 *
 * @param equals field (with its key, for a map field) to the value given, in the order given
 * @param conditions the SQL condition of each term, each with its {@code ?} placeholders
 * @param args the values bound to those placeholders, in order
 */
public record ListFilter(Map<String, String> equals, List<String> conditions, List<Object> args) {
    private static final Pattern TERM = Pattern.compile(
            "\\s*([a-z_][a-z0-9_]*)(?:\\.([A-Za-z0-9_-]+))?\\s*(=|:)\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|([A-Za-z0-9_./-]+))\\s*");
    private static final Pattern AND = Pattern.compile("\\s+AND\\s+");

    public static final ListFilter NONE = new ListFilter(Map.of(), List.of(), List.of());

    /** Fields that are columns of their name and accept any value. */
    public static Fields fields(String... names) {
        Map<String, Field> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, new Field(n + " = ?", null, null, false));
        }
        return new Fields(m, Map.of());
    }

    /**
     * How one field matches.
     *
     * @param condition SQL with one {@code ?} for the value (a map field: first the key's, then the value's)
     * @param values the only values accepted; null: any
     * @param keys a map field's key to the name bound in the condition; null for other fields
     * @param repeatable whether the field may appear in several terms (a "has" condition may, an equality may not)
     */
    private record Field(String condition, Set<String> values, UnaryOperator<String> keys, boolean repeatable) {}

    /** The fields a List method filters on. */
    public static final class Fields {
        private final Map<String, Field> plain;
        private final Map<String, Field> maps;

        private Fields(Map<String, Field> plain, Map<String, Field> maps) {
            this.plain = plain;
            this.maps = maps;
        }

        /** These fields and {@code field}, a column that accepts only {@code values} (an enum such as {@code state}). */
        public Fields withValues(String field, Collection<String> values) {
            return with(field, new Field(field + " = ?", Set.copyOf(values), null, false));
        }

        /**
         * These fields and {@code field}, matched by a SQL condition of its own with one {@code ?} for
         * the value, e.g. {@code "? = ANY(tags)"}; such a field may appear in several terms.
         */
        public Fields withCondition(String field, String condition) {
            return with(field, new Field(condition, null, null, true));
        }

        /**
         * These fields and the map field {@code field.key}: {@code condition} binds the key (as
         * {@code keys} maps it, e.g. to stored JSON names), then the value, e.g. {@code "labels ->> ? = ?"}.
         */
        public Fields withMap(String field, String condition, UnaryOperator<String> keys) {
            Map<String, Field> m = new LinkedHashMap<>(maps);
            m.put(field, new Field(condition, null, keys, true));
            return new Fields(plain, m);
        }

        private Fields with(String field, Field f) {
            Map<String, Field> m = new LinkedHashMap<>(plain);
            m.put(field, f);
            return new Fields(m, maps);
        }

        /** The field names, sorted; a map field as {@code field.*}. */
        public List<String> names() {
            TreeSet<String> all = new TreeSet<>(plain.keySet());
            maps.keySet().forEach(k -> all.add(k + ".*"));
            return List.copyOf(all);
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
            List<String> conditions = new ArrayList<>();
            List<Object> args = new ArrayList<>();
            for (String term : splitOutsideQuotes(filter.trim())) {
                Matcher m = TERM.matcher(term);
                if (!m.matches()) {
                    throw PlatformException.invalid("filter", "cannot parse '" + term.trim() + "'; expected field = \"value\" terms "
                            + "joined by AND, on " + names());
                }
                String key = m.group(2);
                String field = key == null ? m.group(1) : m.group(1) + "." + key;
                Field f = key == null ? plain.get(m.group(1)) : maps.get(m.group(1));
                if (f == null) {
                    throw PlatformException.invalid("filter", "unknown field '" + field + "' (filterable: " + names() + ")");
                }
                String value = m.group(5) != null ? m.group(5).replaceAll("\\\\(.)", "$1") : m.group(6);
                if (f.values() != null && !f.values().contains(value)) {
                    throw PlatformException.invalid("filter", field + " must be one of " + new TreeSet<>(f.values()) + ", got '"
                            + value + "'");
                }
                if (out.put(field, value) != null && !f.repeatable()) {
                    throw PlatformException.invalid("filter", "field '" + field + "' appears twice");
                }
                conditions.add(f.condition());
                if (key != null) {
                    args.add(f.keys().apply(key));
                }
                args.add(value);
            }
            return new ListFilter(Collections.unmodifiableMap(out), List.copyOf(conditions), List.copyOf(args));
        }
    }

    /** Appends {@code " AND condition"} for every term to {@code where}, and the values to {@code args}. */
    public void appendWhere(StringBuilder where, List<Object> args) {
        for (String c : conditions) {
            where.append(" AND ").append(c);
        }
        args.addAll(this.args);
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
