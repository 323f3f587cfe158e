package org.streamail.detect.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.detect.auth.internal.dkim.ArcResult;
import org.streamail.detect.auth.internal.dkim.ArcVerifier;
import org.streamail.detect.auth.internal.dkim.TestSigner;
import org.streamail.detect.auth.internal.dns.Zone;
import org.streamail.detect.auth.internal.sign.SealingKey;

/**
 * The ARC sealing transformer: delivered inbound mail gets our set, which the verifier validates with the key's
 * record; outbound mail, mail nobody checked and our own output are left as they are; a key entry or file that cannot
 * be used fails activation naming the property, an Ed25519 key too.
 */
class ArcSealTransformerTest {

    static final Instant NOW = Instant.parse("2026-12-08T09:00:00Z");
    static final String RAW = "From: Shop <news@shop.example>\r\nTo: bob@example.org\r\nSubject: Offers\r\n"
            + "Date: Tue, 8 Dec 2026 08:00:00 +0000\r\nMessage-ID: <o1@shop.example>\r\n\r\n"
            + "See https://gw.example.org/l/xyz\r\n";
    static KeyPair rsa;

    @TempDir
    static Path dir;

    @BeforeAll
    static void keys() {
        rsa = TestSigner.keys("RSA", 2048);
    }

    static Path pem(String name, KeyPair pair) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    static ArcSealTransformer transformer(boolean enabled) throws Exception {
        SealingKey key = SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY,
                "example.org:arc2026:" + pem("arc.pem", rsa));
        return new ArcSealTransformer(AuthResultsTransformerTest.settings(enabled, true), key,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static ArcResult verify(String message) {
        Zone zone = new Zone().txt("arc2026._domainkey.example.org", TestSigner.record(rsa.getPublic(), ""));
        return new ArcVerifier(zone, 1024).verify(message.getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX);
    }

    @Test
    void deliveredInboundMailIsSealedWithTheResultsSeenAtReceiptAndASecondPassAddsNothing() throws Exception {
        ArcSealTransformer t = transformer(true);
        Transformation in = AuthResultsTransformerTest.transformation(RAW, Direction.INBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        String sealed = AuthResultsTransformerTest.text(t.transform(in));
        assertThat(sealed).startsWith("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=arc2026;")
                .endsWith(RAW)
                .contains("ARC-Authentication-Results: i=1; gw.example.org;\r\n\tspf=pass smtp.mailfrom=shop.example;");
        ArcResult r = verify(sealed);
        assertThat(r.chain()).as(r + "\n" + sealed).isEqualTo("pass");
        assertThat(r.authResults()).isEqualTo("gw.example.org; " + AuthResultsTransformerTest.RESULTS);
        // the contract: the transformer over its own output gives the same message
        Transformation again = AuthResultsTransformerTest.transformation(sealed, Direction.INBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        assertThat(AuthResultsTransformerTest.text(t.transform(again))).isEqualTo(sealed);
    }

    /** The results transformer (50) then the sealer (-1000), as the core applies them. */
    static String deliveredForm(ArcSealTransformer seal, String raw) throws Exception {
        AuthResultsTransformer results = new AuthResultsTransformer(AuthResultsTransformerTest.settings(true, true));
        String withResults = AuthResultsTransformerTest.text(results.transform(AuthResultsTransformerTest
                .transformation(raw, Direction.INBOUND, AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS))));
        return AuthResultsTransformerTest.text(seal.transform(AuthResultsTransformerTest.transformation(withResults,
                Direction.INBOUND, AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS))));
    }

    @Test
    void withTheResultsFieldOnTopOurSetGoesBelowItAndTheTwoTransformersTwiceGiveTheSameMessage() throws Exception {
        ArcSealTransformer t = transformer(true);
        String once = deliveredForm(t, RAW);
        assertThat(once).startsWith("Authentication-Results: gw.example.org;\r\n\tspf=pass")
                .contains("\r\nARC-Seal: i=1; a=rsa-sha256; cv=none;").endsWith(RAW);
        assertThat(once.indexOf("ARC-Seal:")).isGreaterThan(once.indexOf("Authentication-Results:"));
        assertThat(verify(once).chain()).isEqualTo("pass");
        // the core routes a message again from its transformed bytes when a hand-over failed: nothing changes
        assertThat(deliveredForm(t, once)).isEqualTo(once);
        assertThat(deliveredForm(t, once)).doesNotContain("X-Untrusted-AuthResult", "i=2");
    }

    @Test
    void outboundMailMailNobodyCheckedAndADisabledDetectorAreLeftAlone() throws Exception {
        ArcSealTransformer t = transformer(true);
        Transformation out = AuthResultsTransformerTest.transformation(RAW, Direction.OUTBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        assertThat(t.transform(out)).isSameAs(out.raw());
        Transformation unchecked = AuthResultsTransformerTest.transformation(RAW, Direction.INBOUND, List.of());
        assertThat(t.transform(unchecked)).isSameAs(unchecked.raw());
        Transformation in = AuthResultsTransformerTest.transformation(RAW, Direction.INBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        assertThat(transformer(false).transform(in)).isSameAs(in.raw());
        // no key configured: nothing, whatever the message
        assertThat(new ArcSealTransformer(AuthResultsTransformerTest.settings(true, true), null, Clock.systemUTC())
                .transform(in)).isSameAs(in.raw());
    }

    @Test
    void aChainThatValidatedAtReceiptIsSealedWithCvPass() throws Exception {
        // an earlier set that our verifier checked at receipt (the detail says arc=pass): here its fields only
        String listed = "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=lists.example.net; s=arc; b=AAAA\r\n"
                + "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=lists.example.net; s=arc;"
                + " h=from; bh=AAAA; b=AAAA\r\n"
                + "ARC-Authentication-Results: i=1; lists.example.net; dmarc=pass\r\n" + RAW;
        ArcSealTransformer t = transformer(true);
        String passed = AuthResultsTransformerTest.text(t.transform(AuthResultsTransformerTest.transformation(listed,
                Direction.INBOUND, AuthResultsTransformerTest.results("spf=none smtp.mailfrom=shop.example; "
                        + "arc=pass (1 set, sealed by lists.example.net)"))));
        assertThat(passed).startsWith("ARC-Seal: i=2; a=rsa-sha256; cv=pass;");
        String failed = AuthResultsTransformerTest.text(t.transform(AuthResultsTransformerTest.transformation(listed,
                Direction.INBOUND, AuthResultsTransformerTest.results("spf=none smtp.mailfrom=shop.example; "
                        + "arc=fail (ARC-Seal i=1 did not verify)"))));
        assertThat(failed).startsWith("ARC-Seal: i=2; a=rsa-sha256; cv=fail;");
    }

    @Test
    void aKeyThatCannotSealFailsActivationNamingTheProperty() throws Exception {
        assertThatThrownBy(() -> SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY, "example.org:arc"))
                .hasMessage("org.streamail.detect.auth: arc.seal.key entry 'example.org:arc' is not"
                        + " domain:selector:/path/to/key.pem");
        assertThatThrownBy(() -> SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY,
                "co.uk:arc:" + dir.resolve("x.pem"))).hasMessageContaining("co.uk is a public suffix");
        assertThatThrownBy(() -> SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY,
                "example.org:arc:" + dir.resolve("missing.pem")))
                .hasMessage("org.streamail.detect.auth: arc.seal.key 'missing.pem' does not exist or is not a regular file");
        Path open = pem("open.pem", rsa);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY, "example.org:arc:" + open))
                .hasMessageStartingWith("org.streamail.detect.auth: arc.seal.key 'open.pem'");
        Path ed = pem("ed.pem", TestSigner.keys("Ed25519", 0));
        assertThatThrownBy(() -> SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY, "example.org:arc:" + ed))
                .hasMessageContaining("holds an ed25519 key; ARC seals need an RSA key");
    }

    @Test
    void aKeyFileThatBecomesUnusableLeavesMailUnsealedAndItsFixSealsAgain() throws Exception {
        Path file = pem("later.pem", rsa);
        ArcSealTransformer t = new ArcSealTransformer(AuthResultsTransformerTest.settings(true, true),
                SealingKey.of(AuthConfig.PID, ArcSealTransformer.PROPERTY, "example.org:arc2026:" + file),
                Clock.fixed(NOW, ZoneOffset.UTC));
        Transformation in = AuthResultsTransformerTest.transformation(RAW, Direction.INBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(t.transform(in)).isSameAs(in.raw());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(NOW.plusSeconds(60)));
        assertThat(AuthResultsTransformerTest.text(t.transform(in))).startsWith("ARC-Seal: i=1;");
    }

    @Test
    void theContentIsUntouchedBelowOurFields() throws Exception {
        Transformation in = AuthResultsTransformerTest.transformation(RAW, Direction.INBOUND,
                AuthResultsTransformerTest.results(AuthResultsTransformerTest.RESULTS));
        Content out = transformer(true).transform(in);
        String text = AuthResultsTransformerTest.text(out);
        assertThat(text.substring(text.indexOf("From: Shop"))).isEqualTo(RAW);
    }
}
