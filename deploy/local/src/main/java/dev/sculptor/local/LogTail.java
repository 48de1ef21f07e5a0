package dev.sculptor.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading the components' logs: the last lines of one, and following several as they grow. */
final class LogTail {
    private LogTail() {}

    /** The last {@code n} lines of a file, each preceded by {@code sep} (empty when the file is missing). */
    static String tail(Path file, int n, String sep) {
        if (n <= 0 || !Files.isRegularFile(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long pos = len;
            int newlines = 0;
            int chunk = 8192;
            long start = 0;
            outer:
            while (pos > 0) {
                int size = (int) Math.min(chunk, pos);
                pos -= size;
                byte[] b = new byte[size];
                f.seek(pos);
                f.readFully(b);
                for (int i = size - 1; i >= 0; i--) {
                    if (b[i] == '\n' && pos + i != len - 1) {
                        if (++newlines == n) {
                            start = pos + i + 1;
                            break outer;
                        }
                    }
                }
            }
            f.seek(start);
            byte[] rest = new byte[(int) (len - start)];
            f.readFully(rest);
            String text = new String(rest, StandardCharsets.UTF_8);
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            StringBuilder sb = new StringBuilder();
            text.lines().forEach(line -> sb.append(sep).append(line));
            return sb.toString();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Prints the last {@code lines} of each component's log (with a header each when there are several), then, when
     * {@code follow}, every new line as it comes (prefixed with the component when there are several) until interrupted.
     */
    static void print(PrintWriter out, Layout l, List<String> components, int lines, boolean follow) throws IOException,
            InterruptedException {
        Map<String, Long> positions = new LinkedHashMap<>();
        for (String c : components) {
            Path log = l.log(c);
            if (components.size() > 1) {
                out.println("==> " + log + " <==");
            }
            out.print(tail(log, lines, "\n").replaceFirst("^\n", ""));
            out.println();
            positions.put(c, Files.size(log));
        }
        out.flush();
        while (follow) {
            for (String c : components) {
                positions.put(c, printNew(out, l.log(c), positions.get(c), components.size() > 1 ? c + " | " : ""));
            }
            Thread.sleep(500);
        }
    }

    /** Prints what the log gained since {@code pos} (from the start when it was truncated); returns the new position. */
    static long printNew(PrintWriter out, Path log, long pos, String prefix) throws IOException {
        long size = Files.exists(log) ? Files.size(log) : 0;
        if (size < pos) {
            pos = 0;
        }
        if (size <= pos) {
            return pos;
        }
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            f.seek(pos);
            byte[] b = new byte[(int) Math.min(size - pos, 1 << 20)];
            f.readFully(b);
            String text = new String(b, StandardCharsets.UTF_8);
            if (!prefix.isEmpty()) {
                text = text.replaceAll("(?m)^(?=.)", prefix);
            }
            out.print(text);
            out.flush();
            return pos + b.length;
        }
    }
}
