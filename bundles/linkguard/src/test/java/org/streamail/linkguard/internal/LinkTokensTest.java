package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkTokensTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final LinkTokens tokens = new LinkTokens(KEY);

    @Test
    void aSignedTokenVerifiesToItsFields() {
        String t = tokens.sign("m-1", "alice@example.org", "https://example.com/a?b=1&c=ü").orElseThrow();
        assertThat(t).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(tokens.verify(t)).contains(
                new LinkTokens.Payload("m-1", "alice@example.org", "https://example.com/a?b=1&c=ü"));
    }

    @Test
    void anEmptyRecipientIsKept() {
        String t = tokens.sign("m-1", "", "http://x.example/").orElseThrow();
        assertThat(tokens.verify(t).orElseThrow().recipient()).isEmpty();
    }

    @Test
    void everyCharacterChangeIsRejected() {
        String t = tokens.sign("m-1", "bob@example.org", "https://example.com/path").orElseThrow();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            for (char other : new char[] {'A', 'b', '0', '-', '_', '.'}) {
                if (other == c) {
                    continue;
                }
                String tampered = t.substring(0, i) + other + t.substring(i + 1);
                assertThat(tokens.verify(tampered)).as("position %d -> %s", i, other).isEmpty();
            }
        }
    }

    @Test
    void everyBitFlipOfThePayloadOrSignatureIsRejected() {
        String t = tokens.sign("m-1", "bob@example.org", "https://example.com/path").orElseThrow();
        int dot = t.indexOf('.');
        byte[] payload = Base64.getUrlDecoder().decode(t.substring(0, dot));
        byte[] sig = Base64.getUrlDecoder().decode(t.substring(dot + 1));
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        for (int i = 0; i < payload.length * 8; i++) {
            byte[] p = payload.clone();
            p[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(tokens.verify(enc.encodeToString(p) + "." + enc.encodeToString(sig))).isEmpty();
        }
        for (int i = 0; i < sig.length * 8; i++) {
            byte[] s = sig.clone();
            s[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(tokens.verify(enc.encodeToString(payload) + "." + enc.encodeToString(s))).isEmpty();
        }
    }

    @Test
    void everyTruncationIsRejected() {
        String t = tokens.sign("m-1", "", "https://example.com/").orElseThrow();
        for (int i = 0; i < t.length(); i++) {
            assertThat(tokens.verify(t.substring(0, i))).as("prefix %d", i).isEmpty();
            assertThat(tokens.verify(t.substring(i + 1))).as("suffix from %d", i + 1).isEmpty();
        }
    }

    @Test
    void aTokenOfAnotherKeyIsRejected() {
        byte[] other = KEY.clone();
        other[0] ^= 1;
        String t = new LinkTokens(other).sign("m-1", "", "https://example.com/").orElseThrow();
        assertThat(tokens.verify(t)).isEmpty();
    }

    @Test
    void aValidlySignedPayloadOfAnotherVersionIsRejected() throws Exception {
        byte[] payload = {3, 0, 1, 'm', 0, 0, 0, 1, 'u'};
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String forged = enc.encodeToString(payload) + "." + enc.encodeToString(mac.doFinal(payload));
        assertThat(tokens.verify(forged)).isEmpty();
        payload[0] = 1;
        String good = enc.encodeToString(payload) + "." + enc.encodeToString(mac.doFinal(payload));
        assertThat(tokens.verify(good)).contains(new LinkTokens.Payload("m", "", "u"));
        byte[] trailing = Arrays.copyOf(payload, payload.length + 1);
        assertThat(tokens.verify(enc.encodeToString(trailing) + "." + enc.encodeToString(mac.doFinal(trailing))))
                .isEmpty();
    }

    @Test
    void oversizedAndMalformedTokensAreRejected() {
        assertThat(tokens.verify("A".repeat(LinkTokens.MAX_TOKEN_CHARS + 1))).isEmpty();
        assertThat(tokens.verify(null)).isEmpty();
        assertThat(tokens.verify("")).isEmpty();
        assertThat(tokens.verify(".")).isEmpty();
        assertThat(tokens.verify("abc")).isEmpty();
        assertThat(tokens.verify("a.b.c")).isEmpty();
        assertThat(tokens.verify("%%%.***")).isEmpty();
        String t = tokens.sign("m", "", "http://x.example/").orElseThrow();
        assertThat(tokens.verify(t + "=")).isEmpty();
        assertThat(tokens.verify(t.replace('.', '/'))).isEmpty();
    }

    @Test
    void aLinkTooLongForATokenIsNotSigned() {
        assertThat(tokens.sign("m", "", "http://x.example/" + "a".repeat(7000))).isEmpty();
        String t = tokens.sign("m", "", "http://x.example/" + "a".repeat(4096)).orElseThrow();
        assertThat(t.length()).isLessThanOrEqualTo(LinkTokens.MAX_TOKEN_CHARS);
    }

    @Test
    void aShortKeyIsRefusedAndTheKeyIsNotShown() {
        assertThatThrownBy(() -> new LinkTokens(new byte[16])).isInstanceOf(IllegalArgumentException.class);
        assertThat(tokens.toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void theKeyFileIsCreatedOwnerOnlyAndReusedAfterwards(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/linkguard.key");
        byte[] first = KeyFile.load(file);
        assertThat(first).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(KeyFile.load(file)).isEqualTo(first);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file); // no temporary left behind
        }
    }

    @Test
    void aBadKeyFileFailsWithoutShowingItsContent(@TempDir Path dir) throws Exception {
        Path notBase64 = dir.resolve("a.key");
        Files.writeString(notBase64, "secret-but-not-base64!!");
        assertThatThrownBy(() -> KeyFile.load(notBase64)).hasMessageContaining("key.file")
                .hasMessageNotContaining("secret");
        Path shortKey = dir.resolve("b.key");
        Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[8]));
        assertThatThrownBy(() -> KeyFile.load(shortKey)).hasMessageContaining("at least 32");
    }

    @Test
    void aFormTokenCarriesItsKindAndOldLinkTokensStayLinks() throws Exception {
        String form = tokens.sign("m-1", "a@corp.example", "https://evil.example/collect", LinkTokens.Kind.FORM)
                .orElseThrow();
        assertThat(tokens.verify(form)).contains(
                new LinkTokens.Payload("m-1", "a@corp.example", "https://evil.example/collect", LinkTokens.Kind.FORM));
        // a link is signed as before (version 1, no kind), so every token delivered before stays valid as a link
        String link = tokens.sign("m-1", "", "https://example.com/").orElseThrow();
        assertThat(Base64.getUrlDecoder().decode(link.substring(0, link.indexOf('.')))[0]).isEqualTo((byte) 1);
        assertThat(tokens.verify(link).orElseThrow().kind()).isEqualTo(LinkTokens.Kind.LINK);
        // version 2 with an unknown kind, or without a kind byte, is refused even when validly signed
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY, "HmacSHA256"));
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        for (byte[] payload : new byte[][] {{2, 7, 0, 1, 'm', 0, 0, 0, 1, 'u'}, {2}, {2, 1, 0, 1, 'm', 0, 0}}) {
            assertThat(tokens.verify(enc.encodeToString(payload) + "." + enc.encodeToString(mac.doFinal(payload))))
                    .isEmpty();
        }
        byte[] good = {2, 1, 0, 1, 'm', 0, 0, 0, 1, 'u'};
        assertThat(tokens.verify(enc.encodeToString(good) + "." + enc.encodeToString(mac.doFinal(good))))
                .contains(new LinkTokens.Payload("m", "", "u", LinkTokens.Kind.FORM));
    }
}
