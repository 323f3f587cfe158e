package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Canonicalisation and the header reader against RFC 6376 3.4.5's example, the body hash fed in pieces (as the signer
 * reads a message) against the same body whole and against the test signer's own string canonicalisation, and the
 * tag-list grammar.
 */
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

    /**
     * The signer feeds the body as it reads it: however the bytes are cut (a CR at the end of one piece and its LF at
     * the start of the next, white space across pieces), the hash is the one of the whole body; and for CRLF text it
     * is the hash of what {@link TestSigner}'s string rules make of it.
     */
    @Test
    void aBodyFedInPiecesHashesAsTheWholeBodyAndAsTheIndependentRulesSay() throws Exception {
        java.util.Random random = new java.util.Random(6376);
        byte[] alphabet = bytes("\r\n \tab.\u0080");
        for (int n = 0; n < 20_000; n++) {
            byte[] body = new byte[random.nextInt(60)];
            for (int i = 0; i < body.length; i++) {
                body[i] = alphabet[random.nextInt(alphabet.length)];
            }
            for (boolean relaxed : new boolean[] {true, false}) {
                long l = random.nextInt(4) == 0 ? random.nextInt(30) : -1;
                BodyHash whole = BodyHash.compute(body, 0, relaxed, l, MessageDigest.getInstance("SHA-256"));
                BodyHash.Canonicaliser pieces = new BodyHash.Canonicaliser(relaxed, l,
                        MessageDigest.getInstance("SHA-256"));
                for (int i = 0; i < body.length;) {
                    int k = Math.min(body.length - i, 1 + random.nextInt(7));
                    pieces.update(body, i, k);
                    i += k;
                }
                BodyHash fed = pieces.finish();
                assertThat(fed.digest()).as("%s %s", relaxed, java.util.Arrays.toString(body)).isEqualTo(whole.digest());
                assertThat(fed.length()).isEqualTo(whole.length());

                String text = new String(body, StandardCharsets.ISO_8859_1);
                if (l < 0 && text.replace("\r\n", "").indexOf('\r') < 0 && text.replace("\r\n", "").indexOf('\n') < 0) {
                    String canonical = relaxed ? TestSigner.relaxedBody(text) : TestSigner.simpleBody(text);
                    assertThat(whole.digest()).as(text).isEqualTo(sha256(canonical));
                }
            }
        }
    }

    @Test
    void headerReaderSplitsFieldsAndFindsTheBody() {
        RawHeader h = RawHeader.read(bytes("From: a\r\n b\nTo: c\r\nno colon\r\n\r\nbody"));
        assertThat(h.fields()).extracting(RawHeader.Field::name).containsExactly("from", "to", "");
        assertThat(h.value(h.fields().get(0))).isEqualTo(" a\r\n b");
        assertThat(h.bodyStart()).isEqualTo(h.raw().length - 4);
        assertThat(h.truncated()).isFalse();
        assertThat(h.byName().get("from")).containsExactly(h.fields().get(0));
    }

    @Test
    void theSignersLimitsReadMoreFieldsThanTheVerifiers() {
        String many = "X: 1\r\n".repeat(RawHeader.MAX_FIELDS + 5) + "\r\nbody";
        assertThat(RawHeader.read(bytes(many)).truncated()).isTrue();
        RawHeader h = RawHeader.read(bytes(many), 10_000, 1 << 20);
        assertThat(h.truncated()).isFalse();
        assertThat(h.fields()).hasSize(RawHeader.MAX_FIELDS + 5);
        assertThat(RawHeader.read(bytes(many), 10_000, 100).truncated()).isTrue();
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
