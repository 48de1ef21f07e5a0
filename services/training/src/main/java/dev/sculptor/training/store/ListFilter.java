package dev.sculptor.training.store;

import dev.sculptor.training.service.RunException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AIP-160 subset ListTrainingRuns accepts: {@code field = "value"} terms on {@code model_version},
 * {@code prune_job}, {@code retrain_mode} and {@code state}, joined by {@code AND}; values quoted, or bare for {@code state} and {@code retrain_mode}.
 */
public record ListFilter(Map<String, String> equals) {
    private static final Set<String> FIELDS = Set.of("model_version", "prune_job", "state", "retrain_mode");
    private static final Set<String> STATES = Set.of("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED");
    private static final Pattern TERM = Pattern.compile("\\s*([a-z_]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|([A-Za-z_]+))\\s*");
    private static final Pattern AND = Pattern.compile("\\s+AND\\s+");

    public static ListFilter parse(String filter) {
        Map<String, String> out = new LinkedHashMap<>();
        if (filter == null || filter.isBlank()) {
            return new ListFilter(out);
        }
        for (String term : splitOutsideQuotes(filter.trim())) {
            Matcher m = TERM.matcher(term);
            if (!m.matches()) {
                throw RunException.invalid("filter", "cannot parse '" + term.trim() + "'; expected field = \"value\" terms "
                        + "joined by AND, on " + FIELDS.stream().sorted().toList());
            }
            String field = m.group(1);
            if (!FIELDS.contains(field)) {
                throw RunException.invalid("filter", "unknown field '" + field + "' (filterable: "
                        + FIELDS.stream().sorted().toList() + ")");
            }
            String value = m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4);
            if (field.equals("state") && !STATES.contains(value)) {
                throw RunException.invalid("filter", "state must be one of " + STATES.stream().sorted().toList()
                        + ", got '" + value + "'");
            }
            if (out.put(field, value) != null) {
                throw RunException.invalid("filter", "field '" + field + "' appears twice");
            }
        }
        return new ListFilter(out);
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
