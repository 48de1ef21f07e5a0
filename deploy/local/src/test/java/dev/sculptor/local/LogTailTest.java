package dev.sculptor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {
    @TempDir
    Path tmp;

    @Test
    void tailReturnsTheLastLines() throws Exception {
        Path f = tmp.resolve("x.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Files.writeString(f, sb.toString());
        assertEquals("|line 4999|line 5000", LogTail.tail(f, 2, "|"));
        assertEquals("", LogTail.tail(tmp.resolve("none"), 2, "|"));
        Files.writeString(f, "only\n");
        assertEquals("|only", LogTail.tail(f, 10, "|"));
    }

    @Test
    void followingPrintsWhatWasAddedPrefixedAndStartsOverWhenTheLogIsTruncated() throws Exception {
        Path log = tmp.resolve("kafka.log");
        Files.writeString(log, "old\n");
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        long pos = LogTail.printNew(out, log, Files.size(log), "kafka | ");
        assertEquals("", text.toString());
        Files.writeString(log, "new 1\nnew 2\n", StandardOpenOption.APPEND);
        pos = LogTail.printNew(out, log, pos, "kafka | ");
        assertEquals("kafka | new 1\nkafka | new 2\n", text.toString());
        assertEquals(Files.size(log), pos);
        Files.writeString(log, "after rotation\n");
        text.getBuffer().setLength(0);
        LogTail.printNew(out, log, pos, "");
        assertEquals("after rotation\n", text.toString());
    }

    @Test
    void printShowsTheTailOfEachWithHeadersWhenThereAreSeveral() throws Exception {
        Layout l = Layout.create(tmp.resolve("state"));
        Files.writeString(l.log("kafka"), "k1\nk2\n");
        Files.writeString(l.log("s3"), "s1\n");
        StringWriter text = new StringWriter();
        LogTail.print(new PrintWriter(text), l, l.logComponents(), 1, false);
        assertEquals("==> " + l.log("kafka") + " <==\nk2\n==> " + l.log("s3") + " <==\ns1\n", text.toString());
    }
}
