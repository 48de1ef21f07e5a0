package dev.sculptor.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.sculptor.api.v1.Model;
import dev.sculptor.api.v1.ModelVersion;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Human-readable tables and the protobuf JSON form ({@code --json}). */
final class Output {
    private Output() {}

    /**
     * Proto3 canonical JSON (lowerCamelCase names, int64 as strings, timestamps in RFC 3339), with fields that have no
     * presence printed even when zero so that scripts always find them (e.g. {@code "latestVersionNumber": "0"}).
     */
    private static final JsonFormat.Printer JSON = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    static String json(MessageOrBuilder m) {
        try {
            return JSON.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    static void printJson(PrintWriter out, MessageOrBuilder m) {
        out.println(json(m));
        out.flush();
    }

    private static final JsonFormat.Printer JSON_LINE = JSON.omittingInsignificantWhitespace();

    /** The same JSON on one line: a watch prints one line per event (JSON Lines). */
    static void printJsonLine(PrintWriter out, MessageOrBuilder m) {
        try {
            out.println(JSON_LINE.print(m));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
        out.flush();
    }

    // ------------------------------------------------------------------------------------------------ models

    static void model(PrintWriter out, Model m) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", m.getName()});
        if (!m.getDisplayName().isEmpty()) {
            rows.add(new String[] {"display name", m.getDisplayName()});
        }
        if (!m.getDescription().isEmpty()) {
            rows.add(new String[] {"description", m.getDescription()});
        }
        rows.add(new String[] {"labels", labels(m.getLabelsMap())});
        rows.add(new String[] {"latest version", m.getLatestVersionNumber() == 0 ? "none"
                : m.getName() + "/versions/" + m.getLatestVersionNumber()});
        rows.add(new String[] {"aliases", aliases(m.getAliasesMap())});
        rows.add(new String[] {"created", time(m.getCreateTime())});
        rows.add(new String[] {"updated", time(m.getUpdateTime())});
        keyValues(out, rows);
    }

    static void models(PrintWriter out, List<Model> models) {
        table(out, "no models", List.of("NAME", "LATEST", "ALIASES", "LABELS", "DISPLAY NAME"), models, m -> new String[] {
            m.getName(), m.getLatestVersionNumber() == 0 ? "-" : Long.toString(m.getLatestVersionNumber()),
            aliases(m.getAliasesMap()), labels(m.getLabelsMap()), m.getDisplayName().isEmpty() ? "-" : m.getDisplayName()});
    }

    // ------------------------------------------------------------------------------------------------ versions

    static void versions(PrintWriter out, List<ModelVersion> versions) {
        table(out, "no versions", List.of("VERSION", "STATE", "ARCH", "ACCURACY", "PARAMS", "FLOPS", "SIZE", "TAGS", "ALIASES",
            "CREATED"), versions, v -> new String[] {v.getName(), state(v), arch(v), accuracy(v), count(v.getMetrics().getParams()),
                count(v.getMetrics().getFlops()), bytes(v.getSizeBytes()), v.getTagsCount() == 0 ? "-" : String.join(",", v.getTagsList()),
                v.getAliasesCount() == 0 ? "-" : String.join(",", v.getAliasesList()), time(v.getCreateTime())});
    }

    static void lineage(PrintWriter out, List<ModelVersion> chain, boolean truncated) {
        table(out, List.of("VERSION", "ARCH", "METHOD", "ACCURACY", "PARAMS", "PARENT"), chain, v -> new String[] {
            v.getState() == ModelVersion.State.DELETED ? v.getName() + " (deleted)" : v.getName(), arch(v), v.getLineage().getMethod().isEmpty() ? "-" : v.getLineage().getMethod(), accuracy(v),
            count(v.getMetrics().getParams()), v.getLineage().getParentVersion().isEmpty() ? "-" : v.getLineage().getParentVersion()});
        if (truncated) {
            out.println("(older ancestors not shown)");
        }
    }

    // ------------------------------------------------------------------------------------------------ pieces

    static String state(ModelVersion v) {
        String s = v.getState() == ModelVersion.State.STATE_UNSPECIFIED ? "-" : v.getState().name();
        return v.getStateMessage().isEmpty() ? s : s + " (" + v.getStateMessage() + ")";
    }

    static String arch(ModelVersion v) {
        if (!v.hasArch()) {
            return "-";
        }
        String name = v.getArch().getName().isEmpty() ? v.getArch().getFamily() : v.getArch().getName();
        return name.isEmpty() ? "-" : name;
    }

    /** The measured accuracy; else the uploader's claim, marked as such; else "-". */
    static String accuracy(ModelVersion v) {
        if (v.getMetrics().hasAccuracy()) {
            return String.format(Locale.ROOT, "%.2f%%", 100 * v.getMetrics().getAccuracy());
        }
        return v.getClaimedMetrics().hasAccuracy()
                ? String.format(Locale.ROOT, "%.2f%% (claimed)", 100 * v.getClaimedMetrics().getAccuracy()) : "-";
    }

    static String labels(Map<String, String> labels) {
        return labels.isEmpty() ? "-" : new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static String aliases(Map<String, Long> aliases) {
        return aliases.isEmpty() ? "-" : new TreeMap<>(aliases).entrySet().stream().map(e -> e.getKey() + "->" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static String time(Timestamp t) {
        if (t == null || (t.getSeconds() == 0 && t.getNanos() == 0)) {
            return "-";
        }
        return TIME.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
    }

    static String count(long n) {
        if (n == 0) {
            return "-";
        }
        if (n < 10_000) {
            return Long.toString(n);
        }
        if (n < 10_000_000) {
            return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        }
        if (n < 10_000_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.1fG", n / 1e9);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static void keyValues(PrintWriter out, List<String[]> rows) {
        int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0) + 1;
        for (String[] r : rows) {
            out.printf("%-" + (w + 1) + "s %s%n", r[0] + ":", r[1]);
        }
    }

    /** A list for people: {@code none} when it is empty, else a {@link #table} of one row per item under the header. */
    static <T> void table(PrintWriter out, String none, List<String> header, List<T> items, Function<T, String[]> row) {
        if (items.isEmpty()) {
            out.println(none);
        } else {
            table(out, header, items, row);
        }
    }

    static <T> void table(PrintWriter out, List<String> header, List<T> items, Function<T, String[]> row) {
        List<String[]> rows = new ArrayList<>();
        rows.add(header.toArray(String[]::new));
        items.forEach(i -> rows.add(row.apply(i)));
        table(out, rows);
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static void table(PrintWriter out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i == cols - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
