package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Canonicalisation and the header reader against RFC 6376 3.4.5's example, and the tag-list grammar. */
class CanonicalisationTest {

    private static final String EXAMPLE = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String headers(String message, boolean relaxed) {
        RawHeader h = RawHeader.read(bytes(message));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (RawHeader.Field f : h.fields()) {
            if (relaxed) {
                RawHeader.relaxed(h.raw(), f.start(), f.end(), f.colon(), out);
            } else {
                RawHeader.simple(h.raw(), f.start(), f.end(), out);
            }
            out.writeBytes(bytes("\r\n"));
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] bodyHash(String message, boolean relaxed, long l) throws Exception {
        RawHeader h = RawHeader.read(bytes(message));
        return BodyHash.compute(h.raw(), h.bodyStart(), relaxed, l, MessageDigest.getInstance("SHA-256")).digest();
    }

    private static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes(s));
    }

    @Test
    void rfc6376Example() throws Exception {
        assertThat(headers(EXAMPLE, true)).isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(headers(EXAMPLE, false)).isEqualTo("A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assertThat(bodyHash(EXAMPLE, true, -1)).isEqualTo(sha256(" C\r\nD E\r\n"));
        assertThat(bodyHash(EXAMPLE, false, -1)).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @Test
    void bareLfCountsAsCrlf() throws Exception {
        String lf = EXAMPLE.replace("\r\n", "\n");
        assertThat(headers(lf, false)).isEqualTo("A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assertThat(bodyHash(lf, true, -1)).isEqualTo(sha256(" C\r\nD E\r\n"));
        assertThat(bodyHash(lf, false, -1)).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @Test
    void relaxedBodyCollapsesTabRunsToOneSpace() throws Exception {
        assertThat(bodyHash("A: x\r\n\r\na\t\t b\t\r\n", true, -1)).isEqualTo(sha256("a b\r\n"));
    }

    @Test
    void emptyBodiesAndMissingFinalLineEnd() throws Exception {
        // RFC 6376 3.4.3/3.4.4: an empty simple body is one CRLF, an empty relaxed body is empty
        assertThat(bodyHash("A: x\r\n\r\n", false, -1)).isEqualTo(sha256("\r\n"));
        assertThat(bodyHash("A: x\r\n\r\n", true, -1)).isEqualTo(sha256(""));
        assertThat(bodyHash("A: x", false, -1)).isEqualTo(sha256("\r\n"));
        assertThat(bodyHash("A: x\r\n\r\nend", false, -1)).isEqualTo(sha256("end\r\n"));
        assertThat(bodyHash("A: x\r\n\r\nend", true, 2)).isEqualTo(sha256("en"));
    }

    @Test
    void headerReaderSplitsFieldsAndFindsTheBody() {
        RawHeader h = RawHeader.read(bytes("From: a\r\n b\nTo: c\r\nno colon\r\n\r\nbody"));
        assertThat(h.fields()).extracting(RawHeader.Field::name).containsExactly("from", "to", "");
        assertThat(h.value(h.fields().get(0))).isEqualTo(" a\r\n b");
        assertThat(h.bodyStart()).isEqualTo(h.raw().length - 4);
        assertThat(h.truncated()).isFalse();
    }

    @Test
    void tagListGrammar() throws Exception {
        TagList t = TagList.parse(" v = 1 ;\r\n\tb=ab c\r\n d ; x=;");
        assertThat(t.get("v")).isEqualTo("1");
        assertThat(t.get("b")).isEqualTo("ab c\r\n d");
        assertThat(t.get("x")).isEmpty();
        assertThat(t.get("V")).isNull();
        for (String bad : List.of("v=1; v=1", "v", "v=1;;b=2", "=1", "1v=2", "v-x=1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TagList.parse(bad)).as(bad)
                    .isInstanceOf(TagList.InvalidException.class);
        }
    }
}
