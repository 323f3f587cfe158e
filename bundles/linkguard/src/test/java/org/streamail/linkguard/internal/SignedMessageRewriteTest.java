package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * Signed content (S/MIME and PGP/MIME {@code multipart/signed}, inline PGP) is left byte for byte as the sender
 * signed it unless {@code rewrite.signed}: a rewritten link breaks the signature and readers then warn that the
 * message was altered. Unsigned parts beside or around it are rewritten as usual.
 */
class SignedMessageRewriteTest {

    private static final Set<String> INTERNAL = Set.of("corp.example");
    private static final String HTML = "<p>Quarterly report: <a href=\"https://partner.example/q3\">read it</a></p>\r\n";
    /** A detached signature's first bytes; its value is never read. */
    private static final String SMIME_SIGNATURE = "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCC\r\n";

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);
    private final LinkRewriter keepsSigned = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500);
    private final LinkRewriter rewritesSigned = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, true,
            true);

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String smimeSigned(String boundary) {
        return "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;"
                + " boundary=\"" + boundary + "\"\r\n\r\n"
                + "This is an S/MIME signed message\r\n"
                + "--" + boundary + "\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n" + HTML
                + "--" + boundary + "\r\nContent-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n"
                + SMIME_SIGNATURE
                + "--" + boundary + "--\r\n";
    }

    private static String message(String contentHeadersAndBody) {
        return "From: cfo@partner.example\r\nTo: alice@corp.example\r\nSubject: Q3\r\nMIME-Version: 1.0\r\n"
                + contentHeadersAndBody;
    }

    @Test
    void anSmimeSignedMessageIsLeftByteForByteUnlessRewriteSignedIsOn() {
        byte[] msg = bytes(message(smimeSigned("sig1")));
        LinkRewriter.Result kept = keepsSigned.rewrite(msg, "m-1", "alice@corp.example", INTERNAL);
        assertThat(kept.changed()).isFalse();
        assertThat(kept.raw()).isSameAs(msg);

        LinkRewriter.Result rewritten = rewritesSigned.rewrite(msg, "m-1", "alice@corp.example", INTERNAL);
        assertThat(rewritten.changed()).isTrue();
        assertThat(new String(rewritten.raw(), StandardCharsets.ISO_8859_1))
                .contains(LinkRewriterTest.PREFIX).doesNotContain("href=\"https://partner.example/q3\"");
    }

    @Test
    void aPgpMimeSignedMessageIsLeftAsWritten() {
        byte[] msg = bytes(message("Content-Type: multipart/signed; micalg=pgp-sha256;"
                + " protocol=\"application/pgp-signature\"; boundary=\"p1\"\r\n\r\n"
                + "--p1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee https://partner.example/q3 today.\r\n"
                + "--p1\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n"
                + "-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n-----END PGP SIGNATURE-----\r\n"
                + "--p1--\r\n"));
        assertThat(keepsSigned.rewrite(msg, "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    /**
     * A signed message forwarded inside an unsigned one keeps its signature; the forwarding text around it is
     * rewritten as usual.
     */
    @Test
    void aSignedPartInsideAnUnsignedMessageIsKeptAndTheRestRewritten() {
        String signed = "From: cfo@partner.example\r\nSubject: Q3\r\nMIME-Version: 1.0\r\n" + smimeSigned("sig2");
        String msg = message("Content-Type: multipart/mixed; boundary=\"m1\"\r\n\r\n"
                + "--m1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nForwarding: see https://other.example/x\r\n"
                + "--m1\r\nContent-Type: message/rfc822\r\n\r\n" + signed
                + "--m1--\r\n");
        LinkRewriter.Result r = keepsSigned.rewrite(bytes(msg), "m-1", "alice@corp.example", INTERNAL);
        assertThat(r.changed()).isTrue();
        String out = new String(r.raw(), StandardCharsets.ISO_8859_1);
        assertThat(out).doesNotContain("see https://other.example/x").contains(signed);
        assertThat(r.urls()).containsExactly("https://other.example/x");
    }

    @Test
    void anInlinePgpSignedTextIsLeftAsWrittenButAQuotedOneIsRewritten() {
        String signedText = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nSee https://partner.example/q3\r\n"
                + "-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n-----END PGP SIGNATURE-----\r\n";
        byte[] signed = bytes(message("Content-Type: text/plain; charset=us-ascii\r\n\r\n" + signedText));
        assertThat(keepsSigned.rewrite(signed, "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
        assertThat(rewritesSigned.rewrite(signed, "m-1", "alice@corp.example", INTERNAL).changed()).isTrue();

        byte[] quoted = bytes(message("Content-Type: text/plain; charset=us-ascii\r\n\r\nOn Monday Bob wrote:\r\n> "
                + signedText.replace("\r\n", "\r\n> ")));
        assertThat(keepsSigned.rewrite(quoted, "m-1", "alice@corp.example", INTERNAL).changed())
                .as("a reply's quote: its signature is already broken by the quoting").isTrue();
    }

    @Test
    void theTransformerKeepsSignedMailByDefaultAndRewritesItWithRewriteSigned() {
        Settings defaults = TestSettings.defaults(dir.resolve("linkguard.key"));
        Instant now = Instant.parse("2026-12-07T10:00:00Z");
        byte[] msg = bytes(message(smimeSigned("sig3")));
        Envelope env = new Envelope("cfo@partner.example", List.of("alice@corp.example"), "203.0.113.9", "partner",
                false, now, Direction.INBOUND, null);
        Transformation t = new Transformation("gw-8", env, Verdict.clean(), Content.of(msg));

        Fakes.FakeLinkStore none = new Fakes.FakeLinkStore();
        Content kept = new LinkGuardTransformer(defaults, null, none, Clock.fixed(now, ZoneOffset.UTC)).transform(t);
        assertThat(kept).isSameAs(t.raw());
        assertThat(none.recorded).isEmpty();

        Fakes.FakeLinkStore store = new Fakes.FakeLinkStore();
        Content rewritten = new LinkGuardTransformer(TestSettings.withRewriteSigned(defaults, true), null, store,
                Clock.fixed(now, ZoneOffset.UTC)).transform(t);
        assertThat(rewritten).isNotSameAs(t.raw());
        assertThat(store.recorded).hasSize(1);
    }

    @Test
    void rewriteSignedWrittenAsMaybeShouldFailNamingTheProperty() {
        assertThatThrownBy(() -> new LinkGuardTransformer(StrictConfigTest.UNREAD, Map.of("rewrite.signed", "maybe"),
                null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.linkguard: rewrite.signed must be true or false, got 'maybe'");
    }
}
