package org.streamail.core.internal.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.ParsedMessage;

/**
 * Jakarta Mail keeps every header line of a header section as an object: a message of a million tiny header
 * lines (a few MB, under every size limit) cost hundreds of MB of heap per message in the parse. The parser
 * stops reading a header section at {@link MimeParser#MAX_HEADER_FIELDS_READ} fields and calls the message
 * malformed (the policy quarantines it).
 */
class MimeParserHeaderBoundTest {

    private static final int MILLION = 1_000_000;

    private static byte[] manyFields(String before, int fields, String after) {
        StringBuilder b = new StringBuilder(before.length() + fields * 6 + after.length());
        b.append(before);
        for (int i = 0; i < fields; i++) {
            b.append("a: b\r\n");
        }
        return b.append(after).toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Bytes this thread allocated while running {@code r} (HotSpot's per-thread counter). */
    private static long allocated(Runnable r) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        r.run();
        return mx.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void aMillionTopLevelHeaderLinesAreMalformedWithoutReadingThemAll() {
        byte[] raw = manyFields("From: a@example.com\r\n", MILLION, "\r\nbody\r\n");
        MimeParser parser = new MimeParser();
        long bytes = allocated(() -> assertThatThrownBy(() -> parser.parse(raw))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("more than " + MimeParser.MAX_HEADER_FIELDS_READ + " header fields"));
        // reading them all allocated about 200 MB; the bound reads 10,000 fields
        assertThat(bytes).isLessThan(32L * 1024 * 1024);
    }

    @Test
    void aMillionHeaderLinesInAPartAreMalformedToo() {
        byte[] raw = manyFields("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
                MILLION, "\r\npart\r\n--x--\r\n");
        MimeParser parser = new MimeParser();
        long bytes = allocated(() -> assertThatThrownBy(() -> parser.parse(raw))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("more than " + MimeParser.MAX_HEADER_FIELDS_READ + " header fields"));
        // the multipart's boundary scan allocates a line's worth of garbage per line (about 48 MB here, not kept);
        // reading the part's header fields too allocated about 250 MB, kept until the parse ended
        assertThat(bytes).isLessThan(96L * 1024 * 1024);
    }

    @Test
    void foldedLinesAndFieldsUpToTheBoundStillParse() throws Exception {
        StringBuilder b = new StringBuilder("From: a@example.com\r\nTo: x@example.com,\r\n");
        for (int i = 0; i < 20_000; i++) {
            b.append(" r").append(i).append("@example.com,\r\n"); // continuation lines are not fields
        }
        b.append(" last@example.com\r\n");
        byte[] raw = manyFields(b.toString(), MimeParser.MAX_HEADER_FIELDS_READ - 3, "Subject: ok\r\n\r\nbody\r\n");
        ParsedMessage m = new MimeParser().parse(raw);
        assertThat(m.subject()).isEqualTo("ok");
        assertThat(m.to()).isNotEmpty();
    }
}
