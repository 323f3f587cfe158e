package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The headers of messages nested in an outbound message ({@code message/rfc822} parts) are scrubbed too. */
class InternalHopsNestedTest {

    /** A forwarded message as an internal client attaches it: its own internal hops and client address. */
    private static final String FORWARDED_HOPS = "Received: from ws7.corp.internal ([10.9.8.7])\r\n"
            + "\tby exch02.corp.internal with ESMTP; Mon, 30 Nov 2026 09:00:00 +0000\r\n"
            + "X-Originating-IP: [10.9.8.7]\r\n";
    private static final String FORWARDED_REST = "From: bob@example.org\r\nTo: alice@example.org\r\n"
            + "Subject: the draft\r\nMessage-ID: <d1@exch02.corp.internal>\r\n\r\n"
            + "Here is the draft.\r\nReceived: a body line that only looks like a field\r\n";

    private static String scrub(String message) throws IOException {
        return new String(scrub(message.getBytes(StandardCharsets.ISO_8859_1), null), StandardCharsets.ISO_8859_1);
    }

    private static byte[] scrub(byte[] message, Random trickle) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(message);
        InternalHops.copy(trickle == null ? in : new Trickle(in, trickle), out);
        return out.toByteArray();
    }

    private static String top(String contentType) {
        return "Received: from exch01.corp.internal ([10.1.1.1])\r\nFrom: alice@example.org\r\n"
                + "Subject: Fwd: the draft\r\nMIME-Version: 1.0\r\nContent-Type: " + contentType + "\r\n\r\n";
    }

    private static String topScrubbed(String contentType) {
        return top(contentType).substring(top(contentType).indexOf("From:"));
    }

    @Test
    void aForwardedMessageInAMultipartLosesItsHopsButKeepsItsFieldsAndBody() throws Exception {
        String type = "multipart/mixed;\r\n\tBoundary=\"==outer==\"";
        String before = "This is a multi-part message in MIME format.\r\n--==outer==\r\nContent-Type: text/plain\r\n"
                + "\r\nSee the attached message.\r\n--==outer==\r\nContent-Type: message/rfc822\r\n"
                + "Content-Disposition: attachment\r\n\r\n";
        String after = "--==outer==--\r\nepilogue\r\n";
        assertThat(scrub(top(type) + before + FORWARDED_HOPS + FORWARDED_REST + after))
                .isEqualTo(topScrubbed(type) + before + FORWARDED_REST + after);
    }

    @Test
    void aMessageNestedTwoLevelsDeepAndADigestsPartsAreScrubbedWhateverTheCaseOfTheirTypes() throws Exception {
        String inner = "Received: from ws9.corp.internal ([10.7.7.7])\r\nX-Client-IP: 10.7.7.7\r\n"
                + "X-MS-Exchange-Organization-AuthAs: Internal\r\nSubject: the oldest\r\n\r\noldest body\r\n";
        String middleHead = "Received: from ws8.corp.internal ([10.8.8.8])\r\nSubject: the middle one\r\n"
                + "Content-Type: MULTIPART/Mixed; boundary=mid\r\n\r\n";
        String middleBefore = "--mid\r\n\r\nsee below\r\n--mid\r\nContent-Type: Message/RFC822\r\n"
                + "Content-Transfer-Encoding: 8BIT\r\n\r\n";
        String middleAfter = "--mid--\r\n";
        String digestBefore = "--dig\r\n\r\n";
        String digestAfter = "--dig--\r\n";
        String type = "multipart/mixed; boundary=\"out\"";
        String before = "--out\r\nContent-Type: message/rfc822\r\n\r\n";
        String between = "--out\r\nContent-Type: multipart/digest; boundary=dig\r\n\r\n";
        String after = "--out--\r\n";
        String message = top(type) + before + middleHead + middleBefore + inner + middleAfter + between
                + digestBefore + FORWARDED_HOPS + FORWARDED_REST + digestAfter + after;
        String expected = topScrubbed(type) + before + middleHead.substring(middleHead.indexOf("Subject:"))
                + middleBefore + "Subject: the oldest\r\n\r\noldest body\r\n" + middleAfter + between + digestBefore
                + FORWARDED_REST + digestAfter + after;
        assertThat(scrub(message)).isEqualTo(expected);
    }

    @Test
    void aTopLevelMessageOfTypeMessageRfc822AndMessageGlobalHaveTheirInnerHeaderScrubbed() throws Exception {
        for (String type : new String[] {"message/rfc822", "message/global"}) {
            assertThat(scrub(top(type) + FORWARDED_HOPS + FORWARDED_REST))
                    .isEqualTo(topScrubbed(type) + FORWARDED_REST);
        }
    }

    @Test
    void aTextAttachmentAndAPartsOwnHeaderThatLookLikeMessageHeadersAreUntouched() throws Exception {
        String type = "multipart/mixed; boundary=b1";
        String body = "--b1\r\nContent-Type: text/plain; name=\"log.txt\"\r\nX-Originating-IP: [10.0.0.9]\r\n\r\n"
                + "Received: from ws1.corp.internal ([10.0.0.1])\r\nX-Originating-IP: [10.0.0.1]\r\n\r\n"
                + "Received: again\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n"
                + "Received: from ws2\r\n--b1--\r\n";
        assertThat(scrub(top(type) + body)).isEqualTo(topScrubbed(type) + body);
    }

    @Test
    void anEncodedNestedMessageIsLeftAsItIsButAnIdentityEncodedOneIsScrubbed() throws Exception {
        String type = "multipart/mixed; boundary=\"b2\"";
        String base64 = java.util.Base64.getMimeEncoder()
                .encodeToString((FORWARDED_HOPS + FORWARDED_REST).getBytes(StandardCharsets.ISO_8859_1)) + "\r\n";
        String encoded = "--b2\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64
                + "--b2\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + FORWARDED_HOPS + FORWARDED_REST;
        String binary = "--b2\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: Binary (as sent)\r\n\r\n";
        String end = "--b2--\r\n";
        assertThat(scrub(top(type) + encoded + binary + FORWARDED_HOPS + FORWARDED_REST + end))
                .isEqualTo(topScrubbed(type) + encoded + binary + FORWARDED_REST + end);
    }

    @Test
    void malformedOrUnreadableStructureIsCopiedUnchanged() throws Exception {
        String nested = "--x\r\nContent-Type: message/rfc822\r\n\r\n" + FORWARDED_HOPS + FORWARDED_REST + "--x--\r\n";
        String[] types = {
            "multipart/mixed", // no boundary
            "multipart/mixed; boundary=\"\"", // empty boundary
            "multipart/mixed; boundary=\"x", // unbalanced quote: Jakarta Mail rejects it, as MimeParser does
            "multipart/mixed; boundary=----=_x", // '=' unquoted: not a token, rejected
            "multipart/mixed; name=\"a; boundary=x\"; boundary=y", // the x is inside a quoted string
            "multipart/mixed; boundary=" + "x".repeat(MimeTracker.MAX_BOUNDARY + 1), // overlong
            "multipart/mixed; boundary=x; name=\"" + "n".repeat(MimeTracker.MAX_FIELD_VALUE) + "\"", // overlong
            "multipart/mixed; boundary=x\r\nContent-Transfer-Encoding: base64", // an encoded multipart
            "multipart/mixed; boundary=z", // declared, never used: all of it is preamble
        };
        for (String type : types) {
            assertThat(scrub(top(type) + nested)).as(type).isEqualTo(topScrubbed(type) + nested);
        }
        // A delimiter with something after it is no delimiter; neither is one inside a message that is content.
        String type = "multipart/mixed; boundary=x";
        String notADelimiter = "--x \t.\r\nContent-Type: message/rfc822\r\n\r\n" + FORWARDED_HOPS + "--x--\r\n";
        assertThat(scrub(top(type) + notADelimiter)).isEqualTo(topScrubbed(type) + notADelimiter);
    }

    @Test
    void truncatedStructureStillHasItsNestedHeadersScrubbedAndLosesNothingElse() throws Exception {
        String type = "multipart/mixed; boundary=\"o\"";
        // The inner multipart never ends: the outer boundary ends it, and the next part is read as usual.
        String inner = "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n\r\ntext\r\n";
        String part = "--o \t\r\nContent-Type: message/rfc822\r\n\r\n";
        // The last nested header never ends: the input does.
        String unterminated = "--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: cut\r\nReceived: from ws\r\n\t";
        assertThat(scrub(top(type) + inner + part + FORWARDED_HOPS + FORWARDED_REST + unterminated))
                .isEqualTo(topScrubbed(type) + inner + part + FORWARDED_REST
                        + "--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: cut\r\n");
        // A nested header cut short by the enclosing boundary.
        String cut = "--o\r\nContent-Type: message/rfc822\r\n\r\nReceived: from ws\r\nSubject: x\r\n";
        String next = "--o\r\n\r\nReceived: body\r\n--o--\r\n";
        assertThat(scrub(top(type) + cut + next))
                .isEqualTo(topScrubbed(type) + "--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n" + next);
    }

    @Test
    void hugeLinesStreamThroughAndAPaddedDelimiterLongerThanTheDecisionBytesCounts() throws Exception {
        String type = "multipart/mixed; boundary=p";
        String longBody = "--p\r\n\r\n" + "y".repeat(200_000) + "\r\n";
        String padded = "--p" + " ".repeat(5000) + "\r\nContent-Type: message/rfc822\r\n\r\n";
        String longHidden = "Received: from ws ([10.2.2.2]) " + "r".repeat(100_000) + "\r\n\t" + "s".repeat(3000)
                + "\r\n";
        String longKept = "X-Long: " + "k".repeat(100_000) + "\r\n";
        String end = "\r\nbody\r\n--p--\r\n";
        assertThat(scrub(top(type) + longBody + padded + longHidden + longKept + end))
                .isEqualTo(topScrubbed(type) + longBody + padded + longKept + end);
    }

    @Test
    void lineEndingsAreKeptWhetherLfOrCrlfOrMixed() throws Exception {
        String lf = "Received: a\nContent-Type: multipart/mixed; boundary=l\n\n--l\nContent-Type: message/rfc822\n\n"
                + "Received: b\n\tc\nSubject: s\n\nbody\n--l--\n";
        assertThat(scrub(lf)).isEqualTo("Content-Type: multipart/mixed; boundary=l\n\n--l\n"
                + "Content-Type: message/rfc822\n\nSubject: s\n\nbody\n--l--\n");
        String mixed = "Content-Type: multipart/mixed; boundary=l\r\n\n--l\r\nContent-Type: message/rfc822\n\r\n"
                + "Received: b\r\nSubject: s\n\nbody\r\n--l--";
        assertThat(scrub(mixed)).isEqualTo(mixed.replace("Received: b\r\n", ""));
    }

    @Test
    void nestingIsFollowedTwentyContainersDeepAndDeeperStructureStreamsThroughUntouched() throws Exception {
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        int levels = MimeTracker.MAX_DEPTH + 5;
        for (int level = 0; level <= levels; level++) {
            String hop = "Received: from level" + level + " ([10.0.0." + level + "])\r\n";
            String rest = "Subject: level " + level + "\r\n"
                    + (level < levels ? "Content-Type: message/rfc822\r\n" : "") + "\r\n";
            in.append(hop).append(rest);
            // The top-level header is level 0; the header of the message nested in level n is at depth n + 1.
            expected.append(level <= MimeTracker.MAX_DEPTH ? "" : hop).append(rest);
        }
        in.append("the innermost body\r\n");
        expected.append("the innermost body\r\n");
        assertThat(scrub(in.toString())).isEqualTo(expected.toString());

        // Thirty multiparts deep, then a message: the deep one passes as it is.
        StringBuilder deep = new StringBuilder("Content-Type: multipart/mixed; boundary=d0\r\n\r\n");
        for (int i = 1; i < 30; i++) {
            deep.append("--d").append(i - 1).append("\r\nContent-Type: multipart/mixed; boundary=d").append(i)
                    .append("\r\n\r\n");
        }
        deep.append("--d29\r\nContent-Type: message/rfc822\r\n\r\n").append(FORWARDED_HOPS).append(FORWARDED_REST);
        for (int i = 29; i >= 0; i--) {
            deep.append("--d").append(i).append("--\r\n");
        }
        assertThat(scrub(deep.toString())).isEqualTo(deep.toString());
    }

    @Test
    void aLargeRandomStructureRoundTripsByteForByteExceptTheHiddenLines() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Generator g = new Generator(new Random(seed));
            g.message(0);
            byte[] in = g.in.toByteArray();
            byte[] expected = g.expected.toByteArray();
            assertThat(in.length).as("input size").isGreaterThan(2_000_000);
            assertThat(g.hidden).as("hidden lines generated").isGreaterThan(100);
            assertThat(firstDifference(scrub(in, null), expected)).as("first differing byte, seed " + seed)
                    .isEqualTo(-1);
            assertThat(firstDifference(scrub(in, new Random(seed)), expected))
                    .as("first differing byte, read in small pieces, seed " + seed).isEqualTo(-1);
        }
    }

    private static int firstDifference(byte[] actual, byte[] expected) {
        int n = Math.min(actual.length, expected.length);
        for (int i = 0; i < n; i++) {
            if (actual[i] != expected[i]) {
                return i;
            }
        }
        return actual.length == expected.length ? -1 : n;
    }

    /**
     * Writes a random MIME message and, beside it, what the scrubber must make of it: the same bytes without
     * the hidden fields of message headers. Bodies hold lines that look like fields, lines starting with
     * dashes, 8-bit bytes, lines around the decision length and far longer, and both line endings.
     */
    private static final class Generator {
        final ByteArrayOutputStream in = new ByteArrayOutputStream();
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final Random r;
        int boundaries;
        int hidden;

        Generator(Random r) {
            this.r = r;
        }

        void both(String s) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            in.writeBytes(b);
            expected.writeBytes(b);
        }

        void inputOnly(String s) {
            in.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        String eol() {
            return r.nextInt(4) == 0 ? "\n" : "\r\n";
        }

        String text(int length) {
            StringBuilder b = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                int c = r.nextInt(10) == 0 ? 0x80 + r.nextInt(128) : 0x20 + r.nextInt(95);
                b.append((char) c);
            }
            return b.toString();
        }

        int lineLength() {
            return switch (r.nextInt(12)) {
                case 0 -> InternalHops.DECISION_BYTES - 2 + r.nextInt(5);
                case 1 -> 2000 + r.nextInt(8000);
                default -> r.nextInt(120);
            };
        }

        /** A header field, sometimes folded; {@code hide} only when it is one of the hidden ones. */
        void field(String name, boolean messageHeader) {
            boolean hide = messageHeader && InternalHops.hidden(name.toLowerCase(java.util.Locale.ROOT));
            StringBuilder f = new StringBuilder(name).append(": ").append(text(lineLength()).replace(":", ";"))
                    .append(eol());
            for (int i = r.nextInt(3); i > 0; i--) {
                f.append(r.nextBoolean() ? ' ' : '\t').append(text(lineLength())).append(eol());
            }
            if (hide) {
                hidden++;
                inputOnly(f.toString());
            } else {
                both(f.toString());
            }
        }

        void randomFields(boolean messageHeader) {
            String[] names = {"Received", "X-Originating-IP", "X-Forwarded-For", "X-MS-Exchange-Organization-Id",
                "X-Streamail-Score", "Subject", "From", "Received-SPF", "X-Mailer", "Comments"};
            for (int i = r.nextInt(6); i > 0; i--) {
                field(names[r.nextInt(names.length)], messageHeader);
            }
        }

        void message(int depth) {
            randomFields(true);
            entity(depth, true);
        }

        /** The rest of a header (its type), the blank line and the content. */
        void entity(int depth, boolean messageHeader) {
            // 0: a short leaf, 1: a multipart, 2: a nested message (the most frequent), 3: a long leaf
            int kind = depth == 0 ? 1 : depth >= 4 ? 0 : new int[] {0, 1, 2, 2, 2, 3}[r.nextInt(6)];
            if (kind == 1) {
                String boundary = "=_b" + boundaries++ + "." + r.nextInt(1_000_000);
                both("Content-Type: multipart/mixed;" + eol() + "\tboundary=\"" + boundary + "\"" + eol());
                randomFields(messageHeader);
                both(eol());
                body(r.nextInt(3));
                // The top-level multipart gets parts until the message is large; the others a few.
                for (int parts = 1 + r.nextInt(5); depth == 0 ? in.size() < 2_000_000 : parts > 0; parts--) {
                    both("--" + boundary + (r.nextBoolean() ? "" : " \t ") + eol());
                    entity(depth + 1, false);
                }
                both("--" + boundary + "--" + eol());
                body(r.nextInt(3));
            } else if (kind == 2) {
                both("Content-Type: message/rfc822" + eol());
                randomFields(messageHeader);
                both(eol());
                message(depth + 1);
            } else {
                both("Content-Type: " + (r.nextBoolean() ? "text/plain" : "application/octet-stream") + eol());
                randomFields(messageHeader);
                both(eol());
                body(r.nextInt(kind == 3 ? 100 : 20));
            }
        }

        void body(int lines) {
            for (int i = 0; i < lines; i++) {
                String line = switch (r.nextInt(8)) {
                    case 0 -> "Received: from ws ([10.0.0." + r.nextInt(255) + "])";
                    case 1 -> "--" + text(r.nextInt(40)).replace("=", "-"); // never a boundary: they start "=_"
                    case 2 -> "";
                    default -> text(lineLength());
                };
                both(line + eol());
            }
        }
    }

    /** Returns at most a few bytes per read, as a slow connection would. */
    private static final class Trickle extends InputStream {
        private final InputStream in;
        private final Random r;

        Trickle(InputStream in, Random r) {
            this.in = in;
            this.r = r;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, Math.min(len, 1 + r.nextInt(300)));
        }
    }
}
