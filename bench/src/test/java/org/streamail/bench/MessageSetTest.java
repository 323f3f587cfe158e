package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageSetTest {

    private static MessageSet defaults(long seed, int count) {
        return MessageSet.generated(seed, MessageSet.parseMix(MessageSet.DEFAULT_MIX), count,
                "sender@example.net", "bench@example.com");
    }

    private static MessageSet only(String kind) {
        return MessageSet.generated(7, MessageSet.parseMix(kind + ":1"), 1, "sender@example.net", "bench@example.com");
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void theSameSeedGivesTheSameMessagesInTheSameOrder() {
        MessageSet a = defaults(42, 500);
        MessageSet b = defaults(42, 500);
        for (int i = 0; i < 500; i++) {
            assertThat(a.template(i).raw()).isEqualTo(b.template(i).raw());
        }
    }

    @Test
    void anotherSeedGivesOtherMessages() {
        assertThat(defaults(1, 10).template(0).raw()).isNotEqualTo(defaults(2, 10).template(0).raw());
    }

    @Test
    void theMixFollowsItsWeights() {
        Map<String, Integer> counts = defaults(42, 10_000).countsByKind();
        assertThat(counts.get("plain")).isBetween(3600, 4400);
        assertThat(counts.get("html")).isBetween(2600, 3400);
        assertThat(counts.get("zip")).isBetween(1600, 2400);
        assertThat(counts.get("pdf")).isBetween(700, 1300);
    }

    @Test
    void eachKindHasItsAdvertisedSize() {
        assertThat(only("plain").template(0).raw().length).isBetween(1800, 2400);
        assertThat(only("html").template(0).raw().length).isBetween(19 * 1024, 22 * 1024);
        // 100 KB of PDF, base64 (4/3) with CRLF every 76 characters
        assertThat(only("pdf").template(0).raw().length).isBetween(130 * 1024, 145 * 1024);
        assertThat(only("zip").template(0).raw().length).isLessThan(12 * 1024);
    }

    @Test
    void everyGeneratedMessageIsStrictCrlfWithShortLines() {
        MessageSet set = defaults(3, 200);
        for (MessageSet.Template t : set.templates()) {
            byte[] raw = t.raw();
            int lineLength = 0;
            String problem = null;
            for (int i = 0; i < raw.length && problem == null; i++) {
                if (raw[i] == '\n') {
                    problem = i > 0 && raw[i - 1] == '\r' ? null : "bare LF at " + i;
                    lineLength = 0;
                } else if (raw[i] == '\r') {
                    problem = i + 1 < raw.length && raw[i + 1] == '\n' ? null : "bare CR at " + i;
                } else if (++lineLength > 998) {
                    problem = "line longer than 998 at " + i;
                } else if ((raw[i] & 0xff) >= 128) {
                    problem = "8-bit byte at " + i;
                }
            }
            assertThat(problem).as(t.name()).isNull();
            assertThat(text(raw)).endsWith("\r\n").contains("\r\n\r\n").contains("To: <bench@example.com>");
        }
    }

    @Test
    void thePdfIsWellFormedWithAnXrefThatPointsAtItsObjects() {
        byte[] pdf = MessageSet.pdf(new SplittableRandom(1), 100 * 1024);
        String s = text(pdf);
        assertThat(s).startsWith("%PDF-1.4").endsWith("%%EOF\n");
        assertThat(pdf.length).isBetween(98 * 1024, 103 * 1024);
        int startxref = Integer.parseInt(s.substring(s.lastIndexOf("startxref\n") + 10, s.lastIndexOf("\n%%EOF")).trim());
        assertThat(s.substring(startxref)).startsWith("xref\n0 7\n");
        Matcher m = Pattern.compile("(\\d{10}) 00000 n ").matcher(s.substring(startxref));
        int object = 1;
        while (m.find()) {
            int offset = Integer.parseInt(m.group(1));
            assertThat(s.substring(offset)).startsWith(object + " 0 obj\n");
            object++;
        }
        assertThat(object - 1).isEqualTo(6);
    }

    @Test
    void theZipAttachmentHoldsAReadableReport() throws Exception {
        String raw = text(only("zip").template(0).raw());
        assertThat(raw).containsPattern("Content-Type: application/zip; name=\"report-20\\d\\d\\.zip\"");
        String b64 = raw.substring(raw.indexOf("base64\r\n\r\n") + 10, raw.lastIndexOf("\r\n--"));
        byte[] zip = Base64.getMimeDecoder().decode(b64);
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e = z.getNextEntry();
            assertThat(e.getName()).isEqualTo("report.csv");
            assertThat(new String(z.readAllBytes(), StandardCharsets.US_ASCII)).startsWith("date,item,quantity,amount\n");
        }
    }

    @Test
    void theNewsletterHasLinks() {
        String raw = text(only("html").template(0).raw());
        assertThat(raw).contains("multipart/alternative").contains("text/html");
        assertThat(Pattern.compile("href=\"https://news\\.example\\.com/articles/").matcher(raw).results().count())
                .isGreaterThan(10);
    }

    @Test
    void eachSendGetsItsRunMarkerAndAMessageId() {
        MessageSet set = defaults(42, 3);
        String p = new String(set.prefix("r1", 2), StandardCharsets.US_ASCII);
        assertThat(p).isEqualTo("X-Bench-Run: r1 2\r\nMessage-ID: <2.r1@bench.streamail.invalid>\r\n");
    }

    @Test
    void emlFilesAreNormalisedToCrlfAndKeepTheirMessageId(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.eml"), "Message-ID: <a@x>\nSubject: a\n\n.dot line\n");
        Files.writeString(dir.resolve("b.eml"), "Subject: b\r\n\r\nbody");
        Files.writeString(dir.resolve("ignored.txt"), "not mail");
        MessageSet set = MessageSet.fromDirectory(dir, 5);
        assertThat(set.templates()).extracting(MessageSet.Template::name).containsExactly("a.eml", "b.eml");
        assertThat(text(set.template(0).raw())).isEqualTo("Message-ID: <a@x>\r\nSubject: a\r\n\r\n.dot line\r\n");
        assertThat(text(set.template(0).wire())).endsWith("\r\n..dot line\r\n");
        assertThat(set.template(2).name()).isEqualTo("a.eml"); // round-robin
        assertThat(new String(set.prefix("r", 0), StandardCharsets.US_ASCII)).doesNotContain("Message-ID");
        assertThat(new String(set.prefix("r", 1), StandardCharsets.US_ASCII)).contains("Message-ID");
        assertThat(text(set.template(1).raw())).endsWith("body\r\n");
    }

    @Test
    void anEmptyOrMissingEmlDirectoryIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> MessageSet.fromDirectory(dir, 1)).hasMessageContaining("holds no *.eml files");
        assertThatThrownBy(() -> MessageSet.fromDirectory(dir.resolve("nope"), 1))
                .hasMessageContaining("is not a directory");
    }

    @Test
    void badMixSpecsNameTheProblem() {
        assertThatThrownBy(() -> MessageSet.parseMix("plain:1,exe:2")).hasMessageContaining("kind 'exe' is unknown");
        assertThatThrownBy(() -> MessageSet.parseMix("plain")).hasMessageContaining("is not kind:weight");
        assertThatThrownBy(() -> MessageSet.parseMix("plain:1,plain:2")).hasMessageContaining("names plain twice");
        assertThatThrownBy(() -> MessageSet.parseMix("plain:-1")).hasMessageContaining("must be 0..1000");
    }
}
