package org.streamail.core.internal.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.CountingText;
import org.streamail.api.model.Link;
import org.streamail.api.model.ParsedMessage;

/**
 * A seeded mutation run over a nested multipart: whatever the bytes, the parser returns a bounded view or
 * says MALFORMED; no other exception escapes. (Jazzer does this for real; this keeps a cheap regression.)
 */
class MimeParserRobustnessTest {

    private static final String SEED = String.join("\r\n",
            "From: =?UTF-8?B?w4Q=?= <a@example.com>",
            "Subject: =?ISO-8859-1?Q?caf=E9?=",
            "Content-Type: multipart/mixed; boundary=\"o\"",
            "",
            "--o",
            "Content-Type: multipart/alternative; boundary=i",
            "",
            "--i",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "caf=C3=A9 http://a.example/=",
            "x",
            "--i",
            "Content-Type: text/html",
            "",
            "<a href=\"http://b.example/\">b</a>",
            "--i--",
            "--o",
            "Content-Type: message/rfc822",
            "",
            "Subject: inner",
            "Content-Type: application/zip; name*=utf-8''%C3%A4.zip",
            "Content-Transfer-Encoding: base64",
            "",
            "UEsDBAoAAAAAAA==",
            "--o--",
            "");

    @Test
    void mutatedMessagesNeverEscapeAsAnythingButMalformed() {
        MimeParser parser = new MimeParser();
        byte[] seed = SEED.getBytes(StandardCharsets.ISO_8859_1);
        Random random = new Random(20261125L);
        byte[] alphabet = " \r\n:-=;\"<>?%\t\0\u00ffabc".getBytes(StandardCharsets.ISO_8859_1);
        int parsed = 0;
        int malformed = 0;
        for (int run = 0; run < 1000; run++) {
            byte[] b = Arrays.copyOf(seed, seed.length);
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(b.length);
                switch (random.nextInt(3)) {
                    case 0 -> b[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> b = Arrays.copyOf(b, Math.max(1, at)); // truncate
                    default -> {
                        byte[] n = new byte[b.length + 3];
                        System.arraycopy(b, 0, n, 0, at);
                        n[at] = ' ';
                        n[at + 1] = '\r';
                        n[at + 2] = '\n';
                        System.arraycopy(b, at, n, at + 3, b.length - at);
                        b = n;
                    }
                }
            }
            try {
                ParsedMessage m = parser.parse(b);
                assertThat(m.size()).isEqualTo(b.length);
                parsed++;
            } catch (MalformedMessageException e) {
                assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
                malformed++;
            }
        }
        // both paths are exercised, so the run means something
        assertThat(parsed).isGreaterThan(50);
        assertThat(malformed).isGreaterThan(50);
    }

    @Test
    void aLongRunOfCombiningMarksIsReadOnceForLinks() throws Exception {
        // seed MimeParserFuzzTestInputs/parseRepeatedFragment/combining-marks: Java's \b walked back over the run of
        // marks at every position, 32 000 marks in a text body took 16 s
        String marks = "\u0301".repeat(5_000);
        CountingText text = new CountingText("x" + marks + " and no link");
        assertThat(LinkExtractor.TEXT_URL.matcher(text).find()).isFalse();
        assertThat(text.reads()).isLessThan(20L * text.length());

        // a URL after the marks is a link, one glued to a word is not (as before)
        ParsedMessage m = new MimeParser().parse(("Content-Type: text/plain; charset=utf-8\r\n\r\nx" + marks
                + "https://a.example/ then xhttps://b.example/ and (www.c.example)").getBytes(StandardCharsets.UTF_8));
        assertThat(m.links()).extracting(Link::href).containsExactly("https://a.example/", "www.c.example");
    }

    /**
     * Each multipart and message level was copied whole before its children were read, and every copy stayed alive
     * while the walk went deeper: a 25 MB message nested 19 levels held about 500 MB for one parse. A level without
     * a transfer encoding is now read in place; only leaves are copied.
     */
    @Test
    void deepNestingDoesNotCopyTheMessageAtEveryLevel() throws Exception {
        int depth = 19;
        byte[] filler = new byte[2 * 1024 * 1024];
        Arrays.fill(filler, (byte) 'a');
        for (int i = 100; i < filler.length; i += 100) {
            filler[i] = '\n';
        }
        StringBuilder head = new StringBuilder("From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
        StringBuilder tail = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i % 2 == 0) {
                head.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                        .append("\r\n");
                tail.insert(0, "\r\n--b" + i + "--\r\n");
            } else {
                head.append("Content-Type: message/rfc822\r\n\r\nSubject: level ").append(i).append("\r\n");
            }
        }
        head.append("Content-Type: text/plain\r\n\r\n");
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        raw.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        raw.write(filler);
        raw.write(tail.toString().getBytes(StandardCharsets.US_ASCII));
        byte[] message = raw.toByteArray();

        MimeParser parser = new MimeParser();
        parser.parse(message); // warm up
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        ParsedMessage m = parser.parse(message);
        long allocated = threads.getThreadAllocatedBytes(tid) - before;

        assertThat(m.textBody()).hasSize(2 * 1024 * 1024);
        // the leaf's bytes and characters, buffers and slack (about 9x measured); not 19 copies (over 100x before)
        assertThat(allocated).isLessThan(20L * message.length);
    }
}
