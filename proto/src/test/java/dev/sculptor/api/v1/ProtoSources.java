package dev.sculptor.api.v1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The leading comment of every declaration in a set of .proto files, keyed like the descriptors.
 *
 * <p>Generated descriptors carry no comments (protoc drops source info unless asked), so this reads
 * the sources. It knows the subset of the language these files use: one declaration per line, line
 * comments only. A leading comment is the run of {@code //} lines directly above a declaration (a
 * blank line detaches it, as in protoc). Any line it does not understand is an error rather than
 * something skipped, so a declaration cannot escape the checks by being written unusually.
 *
 * <p>Keys: {@code pkg.Message}, {@code pkg.Message.field}, {@code pkg.Message.oneof},
 * {@code pkg.Message.Enum}, {@code pkg.Message.Enum.VALUE} (under the enum, unlike protobuf's
 * sibling scoping), {@code pkg.Service}, {@code pkg.Service.Method}.
 */
final class ProtoSources {
    /** A declaration's kind and leading comment (lines joined with a space, {@code //} stripped). */
    record Decl(String kind, String comment, String where) {}

    private static final Pattern BLOCK = Pattern.compile("^(message|enum|service)\\s+(\\w+)\\s*\\{$");
    private static final Pattern ONEOF = Pattern.compile("^oneof\\s+(\\w+)\\s*\\{$");
    private static final Pattern RPC = Pattern.compile(
            "^rpc\\s+(\\w+)\\s*\\(\\s*(?:stream\\s+)?[\\w.]+\\s*\\)\\s*returns\\s*\\(\\s*(?:stream\\s+)?[\\w.]+\\s*\\)\\s*(?:;|\\{\\s*})$");
    private static final Pattern FIELD = Pattern.compile(
            "^(?:(?:repeated|optional)\\s+)?(?:map\\s*<\\s*\\w+\\s*,\\s*[\\w.]+\\s*>|[\\w.]+)\\s+(\\w+)\\s*=\\s*\\d+\\s*(?:\\[[^]]*])?\\s*;$");
    private static final Pattern ENUM_VALUE = Pattern.compile("^(\\w+)\\s*=\\s*-?\\d+\\s*(?:\\[[^]]*])?\\s*;$");
    private static final Pattern FILE_LEVEL = Pattern.compile("^(syntax|package|import|option)\\b.*;$");
    private static final Pattern RESERVED = Pattern.compile("^reserved\\b.*;$");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;$");

    private final Map<String, Decl> decls = new LinkedHashMap<>();

    private record Scope(String kind, String name) {}

    /** Parses every file; throws {@link IllegalStateException} naming the file and line it cannot read. */
    static ProtoSources parse(List<Path> files) {
        ProtoSources sources = new ProtoSources();
        for (Path file : files) {
            sources.parseFile(file);
        }
        return sources;
    }

    Map<String, Decl> declarations() {
        return decls;
    }

    /** The comment of {@code key}, or null when there is no such declaration. */
    Decl get(String key) {
        return decls.get(key);
    }

    private void parseFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pkg = null;
        Deque<Scope> scopes = new ArrayDeque<>();
        List<String> comment = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String where = file.getFileName() + ":" + (i + 1);
            String raw = lines.get(i).strip();
            if (raw.contains("/*")) {
                throw new IllegalStateException(where + ": block comments are not used in these files");
            }
            if (raw.startsWith("//")) {
                comment.add(raw.substring(2).strip());
                continue;
            }
            String line = stripTrailingComment(raw);
            if (line.isEmpty()) {
                comment.clear();
                continue;
            }
            String leading = String.join(" ", comment).strip();
            comment.clear();
            String scope = scopes.isEmpty() ? pkg : scopes.peek().name();
            String scopeKind = scopes.isEmpty() ? "file" : scopes.peek().kind();
            Matcher m;
            if (line.equals("}")) {
                if (scopes.isEmpty()) {
                    throw new IllegalStateException(where + ": unbalanced '}'");
                }
                scopes.pop();
            } else if ((m = PACKAGE.matcher(line)).matches()) {
                pkg = m.group(1);
            } else if (FILE_LEVEL.matcher(line).matches() || RESERVED.matcher(line).matches()) {
                // syntax, imports, options and reserved numbers carry no contract comment
            } else if ((m = BLOCK.matcher(line)).matches() && !scopeKind.equals("service") && !scopeKind.equals("enum")) {
                if (scope == null) {
                    throw new IllegalStateException(where + ": declaration before the package statement");
                }
                String name = scope + "." + m.group(2);
                put(name, m.group(1), leading, where);
                scopes.push(new Scope(m.group(1), name));
            } else if ((m = ONEOF.matcher(line)).matches() && scopeKind.equals("message")) {
                put(scope + "." + m.group(1), "oneof", leading, where);
                scopes.push(new Scope("oneof", scope));
            } else if ((m = RPC.matcher(line)).matches() && scopeKind.equals("service")) {
                put(scope + "." + m.group(1), "rpc", leading, where);
            } else if ((m = FIELD.matcher(line)).matches() && (scopeKind.equals("message") || scopeKind.equals("oneof"))) {
                put(scope + "." + m.group(1), "field", leading, where);
            } else if ((m = ENUM_VALUE.matcher(line)).matches() && scopeKind.equals("enum")) {
                put(scope + "." + m.group(1), "enum value", leading, where);
            } else {
                throw new IllegalStateException(where + ": cannot read '" + line + "' in a " + scopeKind);
            }
        }
        if (!scopes.isEmpty()) {
            throw new IllegalStateException(file.getFileName() + ": '" + scopes.peek().name() + "' is not closed");
        }
    }

    private void put(String key, String kind, String comment, String where) {
        Decl previous = decls.put(key, new Decl(kind, comment, where));
        if (previous != null) {
            throw new IllegalStateException(where + ": " + key + " is declared twice (also at " + previous.where() + ")");
        }
    }

    /** The code before a trailing {@code //} comment; these files have no {@code //} inside strings. */
    private static String stripTrailingComment(String line) {
        int i = line.indexOf("//");
        return (i < 0 ? line : line.substring(0, i)).strip();
    }
}
