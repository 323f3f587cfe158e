package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.detect.auth.internal.dkim.TestSigner.Msg;
import org.streamail.detect.auth.internal.dkim.TestSigner.Opts;
import org.streamail.detect.auth.internal.dns.Zone;

class DkimVerifierTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String KEY_NAME = "sel._domainkey.example.org";
    private static KeyPair rsa;
    private static KeyPair ed;

    private static final Msg MSG = new Msg(List.of(
            "From: Alice <alice@example.org>",
            "To: bob@example.net",
            "Subject: Lunch\r\n on Friday?",
            "Date: Mon, 07 Dec 2026 11:59:00 +0000",
            "Message-ID: <1@example.org>"),
            "Hello Bob,\r\n\r\nLunch at  noon?\t \r\n\r\nAlice\r\n\r\n\r\n");

    @BeforeAll
    static void keys() {
        rsa = TestSigner.keys("RSA", 2048);
        ed = TestSigner.keys("Ed25519", 0);
    }

    private static Opts rsaOpts() {
        return new Opts("rsa-sha256", "relaxed/relaxed", "example.org", "sel", "from:to:subject:date", "", null,
                rsa.getPrivate());
    }

    private static Opts edOpts() {
        return new Opts("ed25519-sha256", "relaxed/relaxed", "example.org", "sel", "from:to:subject:date", "", null,
                ed.getPrivate());
    }

    private static Zone zone(KeyPair keys) {
        return new Zone().txt(KEY_NAME, TestSigner.record(keys.getPublic(), ""));
    }

    private static List<DkimSignatureResult> verify(Zone zone, Msg msg) {
        return verify(zone, msg.bytes());
    }

    private static List<DkimSignatureResult> verify(Zone zone, byte[] raw) {
        return new DkimVerifier(zone, 5, 1024).verify(raw, NOW, Instant.MAX);
    }

    private static DkimSignatureResult only(List<DkimSignatureResult> results) {
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    private static void assertResult(List<DkimSignatureResult> results, DkimResult result, String reason) {
        DkimSignatureResult r = only(results);
        assertThat(r.result()).as(r.toString()).isEqualTo(result);
        assertThat(r.reason()).as(r.toString()).isEqualTo(reason);
    }

    // --- pass ---

    @ParameterizedTest
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed", "relaxed"})
    void rsaPassesInEveryCanonicalisation(String c) {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("c", c));
        assertThat(only(verify(zone(rsa), signed))).isEqualTo(new DkimSignatureResult(DkimResult.PASS,
                "example.org", "sel", "@example.org", "rsa-sha256", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple"})
    void ed25519Passes(String c) {
        Msg signed = TestSigner.sign(MSG, edOpts().with("c", c));
        assertResult(verify(zone(ed), signed), DkimResult.PASS, "");
    }

    @Test
    void defaultCanonicalisationIsSimple() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("c", ""));
        assertThat(signed.fields().get(0)).doesNotContain("c=");
        assertResult(verify(zone(rsa), signed), DkimResult.PASS, "");
        // simple: a refolded header breaks it
        Msg refolded = signed.replaceField("Subject: Lunch\r\n on Friday?", "Subject: Lunch on Friday?");
        assertResult(verify(zone(rsa), refolded), DkimResult.FAIL, "signature did not verify");
    }

    @Test
    void bareLfMessagePasses() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("c", "simple/simple"));
        byte[] lf = new String(signed.bytes(), StandardCharsets.ISO_8859_1).replace("\r\n", "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertResult(verify(zone(rsa), lf), DkimResult.PASS, "");
    }

    @Test
    void emptyBodyPassesInBothCanonicalisations() {
        for (String c : List.of("simple/simple", "relaxed/relaxed")) {
            Msg signed = TestSigner.sign(MSG.withBody(""), rsaOpts().with("c", c));
            assertResult(verify(zone(rsa), signed), DkimResult.PASS, "");
            // trailing empty lines do not count
            assertResult(verify(zone(rsa), signed.withBody("\r\n\r\n")), DkimResult.PASS, "");
        }
    }

    @Test
    void testingKeyStillPassesWithAnEmptyReason() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        Zone zone = new Zone().txt(KEY_NAME, TestSigner.record(rsa.getPublic(), "; t=y"));
        assertResult(verify(zone, signed), DkimResult.PASS, "");
        DkimSignatureResult r = verify(zone, signed).get(0);
        assertThat(r.testing()).isTrue();
        assertThat(r.vouches()).as("a verified signature of a testing key still counts for DMARC").isTrue();
        DkimSignatureResult broken = verify(zone, signed.withBody("changed\r\n")).get(0);
        assertThat(broken.result()).isEqualTo(DkimResult.FAIL);
        assertThat(broken.testing()).isTrue();
        DkimSignatureResult normal = verify(zone(rsa), signed).get(0);
        assertThat(normal.testing()).isFalse();
        assertThat(normal.vouches()).isTrue();
    }

    @Test
    void bareRsaPublicKeyIsAccepted() {
        // the PKCS#1 RSAPublicKey inside the SubjectPublicKeyInfo: skip the 24-byte header of a 2048-bit key
        byte[] spki = rsa.getPublic().getEncoded();
        String pkcs1 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, 24, spki.length));
        Zone zone = new Zone().txt(KEY_NAME, "v=DKIM1; p=" + pkcs1);
        assertResult(verify(zone, TestSigner.sign(MSG, rsaOpts())), DkimResult.PASS, "");
    }

    // --- changes after signing ---

    @Test
    void changedBodyFails() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        assertResult(verify(zone(rsa), signed.withBody(MSG.body().replace("noon", "one"))), DkimResult.FAIL,
                "body hash did not verify");
    }

    @Test
    void changedSignedHeaderFails() {
        Msg signed = TestSigner.sign(MSG, edOpts());
        Msg changed = signed.replaceField("To: bob@example.net", "To: mallory@example.net");
        assertResult(verify(zone(ed), changed), DkimResult.FAIL, "signature did not verify");
    }

    @Test
    void addedUnsignedHeaderStillPasses() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        Msg more = signed.addField(0, "Received: from mx.example.net").appendField("X-Mailer: test");
        assertResult(verify(zone(rsa), more), DkimResult.PASS, "");
    }

    @Test
    void changedFoldingPassesRelaxedFailsSimple() {
        for (String c : List.of("relaxed/relaxed", "simple/simple")) {
            Msg signed = TestSigner.sign(MSG, rsaOpts().with("c", c));
            Msg refolded = signed.replaceField("Subject: Lunch\r\n on Friday?", "Subject:  Lunch on\r\n\tFriday?");
            DkimResult expected = c.startsWith("relaxed") ? DkimResult.PASS : DkimResult.FAIL;
            assertThat(only(verify(zone(rsa), refolded)).result()).as(c).isEqualTo(expected);
        }
    }

    @Test
    void headerNameCaseAndSpacesMatterOnlyForSimple() {
        for (String c : List.of("relaxed/relaxed", "simple/simple")) {
            Msg signed = TestSigner.sign(MSG, rsaOpts().with("c", c));
            Msg renamed = signed.replaceField("To: bob@example.net", "TO : bob@example.net ");
            DkimResult expected = c.startsWith("relaxed") ? DkimResult.PASS : DkimResult.FAIL;
            assertThat(only(verify(zone(rsa), renamed)).result()).as(c).isEqualTo(expected);
        }
    }

    @Test
    void oversignedFromRejectsASecondFrom() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("h", "from:from:to:subject"));
        assertResult(verify(zone(rsa), signed), DkimResult.PASS, "");
        Msg twoFroms = signed.appendField("From: Mallory <m@evil.example>");
        assertResult(verify(zone(rsa), twoFroms), DkimResult.FAIL, "signature did not verify");
        // added above the signed one: bottom-up selection still reads it as the second "from"
        Msg above = signed.addField(1, "From: Mallory <m@evil.example>");
        assertResult(verify(zone(rsa), above), DkimResult.FAIL, "signature did not verify");
    }

    @Test
    void withoutOversigningASecondFromAboveIsNotSeen() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("h", "from:to:subject"));
        Msg above = signed.addField(1, "From: Mallory <m@evil.example>");
        // bottom-up: the signed From is still the last one (DMARC is what rejects two From fields)
        assertResult(verify(zone(rsa), above), DkimResult.PASS, "");
    }

    @Test
    void bodyLengthCoversOnlyItsPrefix() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("l", "20"));
        assertResult(verify(zone(rsa), signed.withBody(MSG.body() + "Buy now!\r\n")), DkimResult.PASS, "");
        DkimSignatureResult appended = verify(zone(rsa), signed.withBody(MSG.body() + "Buy now!\r\n")).get(0);
        assertThat(appended.unsigned()).as("canonical bytes after l=")
                .isEqualTo(TestSigner.relaxedBody(MSG.body() + "Buy now!\r\n").length() - 20);
        assertThat(appended.vouches()).as("anyone can append to it").isFalse();
        Msg whole = TestSigner.sign(MSG, rsaOpts().with("l", String.valueOf(TestSigner.relaxedBody(MSG.body()).length())));
        DkimSignatureResult covered = verify(zone(rsa), whole).get(0);
        assertThat(covered.unsigned()).isZero();
        assertThat(covered.vouches()).as("l= covering the whole body").isTrue();
        assertResult(verify(zone(rsa), signed.withBody("X" + MSG.body())), DkimResult.FAIL,
                "body hash did not verify");
    }

    @Test
    void bodyLengthBeyondTheBodyIsPermerror() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("l", "100000"));
        assertResult(verify(zone(rsa), signed), DkimResult.PERMERROR, "l= exceeds the body length");
    }

    // --- time ---

    @Test
    void expiredSignatureFails() {
        long now = NOW.getEpochSecond();
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("tags", "t=" + (now - 7200) + "; x=" + (now - 60) + "; "));
        assertResult(verify(zone(rsa), signed), DkimResult.FAIL, "signature expired");
        Msg valid = TestSigner.sign(MSG, rsaOpts().with("tags", "t=" + (now - 7200) + "; x=" + (now + 60) + "; "));
        assertResult(verify(zone(rsa), valid), DkimResult.PASS, "");
    }

    @Test
    void timestampInTheFutureIsToleratedOnlyWithinTheSkew() {
        long now = NOW.getEpochSecond();
        Msg near = TestSigner.sign(MSG, rsaOpts().with("tags", "t=" + (now + 120) + "; "));
        assertResult(verify(zone(rsa), near), DkimResult.PASS, "");
        Msg far = TestSigner.sign(MSG, rsaOpts().with("tags", "t=" + (now + 3600) + "; "));
        assertResult(verify(zone(rsa), far), DkimResult.PERMERROR, "signature timestamp in the future");
    }

    @Test
    void expiryBeforeTimestampIsPermerror() {
        long now = NOW.getEpochSecond();
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("tags", "t=" + (now - 10) + "; x=" + (now - 20) + "; "));
        assertResult(verify(zone(rsa), signed), DkimResult.PERMERROR, "x= before t=");
    }

    @Test
    void passedDeadlineIsTemperrorForEverySignature() {
        Msg signed = TestSigner.sign(TestSigner.sign(MSG, rsaOpts()), edOpts());
        List<DkimSignatureResult> results = new DkimVerifier(zone(rsa), 5, 1024)
                .verify(signed.bytes(), NOW, Instant.now().minusSeconds(1));
        assertThat(results).extracting(DkimSignatureResult::result, DkimSignatureResult::reason)
                .containsOnly(org.assertj.core.groups.Tuple.tuple(DkimResult.TEMPERROR, "time-out"));
        assertThat(results).hasSize(2);
    }

    // --- keys ---

    @Test
    void revokedKeyIsPermerror() {
        Zone zone = new Zone().txt(KEY_NAME, "v=DKIM1; k=rsa; p=");
        assertResult(verify(zone, TestSigner.sign(MSG, rsaOpts())), DkimResult.PERMERROR, "key revoked");
    }

    @Test
    void shortRsaKeyIsPermerror() {
        KeyPair small = TestSigner.keys("RSA", 512);
        Msg signed = TestSigner.sign(MSG, new Opts("rsa-sha256", "relaxed/relaxed", "example.org", "sel", "from",
                "", null, small.getPrivate()));
        assertResult(verify(zone(small), signed), DkimResult.PERMERROR, "key too short: 512 bits");
        // and with a verifier that accepts 512 bits, the same signature verifies (so it was the size alone)
        assertThat(only(new DkimVerifier(zone(small), 5, 512).verify(signed.bytes(), NOW, Instant.MAX)).result())
                .isEqualTo(DkimResult.PASS);
    }

    @Test
    void rsaSha1IsNotAccepted() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("a", "rsa-sha1"));
        assertResult(verify(zone(rsa), signed), DkimResult.PERMERROR, "rsa-sha1 not accepted (RFC 8301)");
    }

    @Test
    void keyTypeMustMatchAlgorithm() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        assertResult(verify(zone(ed), signed), DkimResult.PERMERROR,
                "key type k=ed25519 does not match a=rsa-sha256");
    }

    @Test
    void keyHashListMustAllowSha256() {
        Zone zone = new Zone().txt(KEY_NAME, TestSigner.record(rsa.getPublic(), "; h=sha1"));
        DkimSignatureResult r = only(verify(zone, TestSigner.sign(MSG, rsaOpts())));
        assertThat(r.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(r.reason()).contains("sha256");
    }

    @Test
    void strictKeyRejectsASubdomainIdentity() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("tags", "i=alice@mail.example.org; "));
        assertResult(verify(zone(rsa), signed), DkimResult.PASS, "");
        assertThat(only(verify(zone(rsa), signed)).identity()).isEqualTo("alice@mail.example.org");
        Zone strict = new Zone().txt(KEY_NAME, TestSigner.record(rsa.getPublic(), "; t=s"));
        assertResult(verify(strict, signed), DkimResult.PERMERROR, "i= is a subdomain of d= but the key has t=s");
        Msg exact = TestSigner.sign(MSG, rsaOpts().with("tags", "i=alice@example.org; "));
        assertResult(verify(strict, exact), DkimResult.PASS, "");
    }

    @Test
    void identityOutsideTheDomainIsPermerror() {
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("tags", "i=alice@notexample.org; "));
        assertResult(verify(zone(rsa), signed), DkimResult.PERMERROR, "i= not in d=");
    }

    @Test
    void dnsFailuresAndMissingKeys() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        DkimSignatureResult servfail = only(verify(new Zone().servfail(KEY_NAME), signed));
        assertThat(servfail.result()).isEqualTo(DkimResult.TEMPERROR);
        assertThat(servfail.domain()).isEqualTo("example.org");
        assertResult(verify(new Zone(), signed), DkimResult.PERMERROR, "no key");
        DkimSignatureResult garbage = only(verify(new Zone().txt(KEY_NAME, "v=spf1 -all"), signed));
        assertThat(garbage.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(garbage.reason()).startsWith("bad key record");
        Zone firstBad = new Zone().txt(KEY_NAME, "not a key;;").txt(KEY_NAME, TestSigner.record(rsa.getPublic(), ""));
        assertResult(verify(firstBad, signed), DkimResult.PASS, "");
    }

    @Test
    void oneKeyLookUpServesSeveralSignaturesOfOneSelector() {
        Msg signed = TestSigner.sign(TestSigner.sign(MSG, rsaOpts()), rsaOpts().with("c", "simple/simple"));
        Zone zone = zone(rsa);
        assertThat(verify(zone, signed)).extracting(DkimSignatureResult::result)
                .containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(zone.queries()).isEqualTo(1);
    }

    // --- signature field syntax ---

    private static final String GOOD_TAGS = "v=1; a=rsa-sha256; d=example.org; s=sel; h=from; bh=AAAA; b=AAAA";

    @ParameterizedTest
    @ValueSource(strings = {"v", "a", "b", "bh", "d", "h", "s"})
    void missingRequiredTagIsPermerror(String tag) {
        StringBuilder field = new StringBuilder("DKIM-Signature:");
        for (String t : GOOD_TAGS.split("; ")) {
            if (!t.startsWith(tag + "=")) {
                field.append(' ').append(t).append(';');
            }
        }
        Msg msg = MSG.addField(0, field.toString());
        assertResult(verify(zone(rsa), msg), DkimResult.PERMERROR, "missing tag " + tag + "=");
    }

    @Test
    void duplicateTagIsPermerror() {
        Msg msg = MSG.addField(0, "DKIM-Signature: " + GOOD_TAGS + "; d=example.com");
        DkimSignatureResult r = only(verify(zone(rsa), msg));
        assertThat(r).isEqualTo(new DkimSignatureResult(DkimResult.PERMERROR, "", "", "", "",
                "malformed signature: duplicate tag d="));
    }

    @Test
    void fromMustBeSigned() {
        Msg msg = MSG.addField(0, "DKIM-Signature: " + GOOD_TAGS.replace("h=from", "h=to:subject"));
        assertResult(verify(zone(rsa), msg), DkimResult.PERMERROR, "From not signed (h=)");
    }

    @Test
    void otherBadValuesArePermerrors() {
        for (String[] c : new String[][] {
            {"v=1", "v=2", "unsupported version v=2"},
            {"a=rsa-sha256", "a=rsa-md5", "unknown algorithm a=rsa-md5"},
            {"d=example.org", "d=exa mple.org", "bad d="},
            {"bh=AAAA", "bh=A*AA", "bad bh= (not base64)"},
            {"h=from", "h=from;c=fancy/simple", "unknown canonicalisation c=fancy/simple"},
            {"h=from", "h=from; q=http", "unsupported q="},
            {"h=from", "h=from; l=-1", "bad l="},
            {"h=from", "h=from;; x=1", "malformed signature: empty tag"},
            {"h=from", "h=from; 9z=1", "malformed signature: bad tag name"}}) {
            Msg msg = MSG.addField(0, "DKIM-Signature: " + GOOD_TAGS.replace(c[0], c[1]));
            assertThat(only(verify(zone(rsa), msg))).as(c[1])
                    .extracting(DkimSignatureResult::result, DkimSignatureResult::reason)
                    .containsExactly(DkimResult.PERMERROR, c[2]);
        }
    }

    @Test
    void foldedTagListWithSpacesIsRead() {
        // FWS around names, '=' and values, and folding inside base64: all allowed by RFC 6376 3.2
        Msg signed = TestSigner.sign(MSG, rsaOpts().with("tags", "x =\r\n 99999999999 ; "));
        assertResult(verify(zone(rsa), signed), DkimResult.PASS, "");
    }

    @Test
    void maxSignaturesIsRespected() {
        Msg signed = MSG;
        for (int k = 0; k < 4; k++) {
            signed = TestSigner.sign(signed, rsaOpts());
        }
        Zone zone = zone(rsa);
        assertThat(new DkimVerifier(zone, 2, 1024).verify(signed.bytes(), NOW, Instant.MAX))
                .extracting(DkimSignatureResult::result).containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(new DkimVerifier(zone, 0, 1024).verify(signed.bytes(), NOW, Instant.MAX)).isEmpty();
        assertThat(verify(zone, MSG)).isEmpty();
    }

    // --- hostile input ---

    @Test
    void garbageNeverThrows() {
        Random random = new Random(6376);
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        byte[] good = signed.bytes();
        DkimVerifier verifier = new DkimVerifier(zone(rsa), 5, 1024);
        for (int k = 0; k < 2000; k++) {
            byte[] raw = Arrays.copyOf(good, good.length);
            for (int m = 0; m < 1 + random.nextInt(8); m++) {
                raw[random.nextInt(raw.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                raw = Arrays.copyOf(raw, random.nextInt(raw.length + 1));
            }
            List<DkimSignatureResult> results = verifier.verify(raw, NOW, Instant.MAX);
            for (DkimSignatureResult r : results) {
                assertThat(r.reason().length()).isLessThanOrEqualTo(200);
                assertThat(r.reason().chars().noneMatch(ch -> ch < 0x20)).isTrue();
            }
        }
        for (String s : List.of("", "\n", "\r\n\r\n", "DKIM-Signature:", "DKIM-Signature: ;;;===\r\n\r\n",
                " DKIM-Signature: v=1\r\n\r\n", "DKIM-Signature: b=\u00ff\u0000\u0007; v=1\n\n",
                "DKIM-Signature\r\n\r\nbody", "DKIM-Signature: v=1; h=from:" + ":".repeat(5000) + "\r\n\r\n")) {
            assertThat(verifier.verify(s.getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX))
                    .allMatch(r -> r.result() != DkimResult.PASS);
        }
        assertThat(verifier.verify(null, NOW, Instant.MAX)).isEmpty();
    }

    @Test
    void hugeHeaderIsBoundedAndPermerror() {
        Msg signed = TestSigner.sign(MSG, rsaOpts());
        List<String> fields = new ArrayList<>(signed.fields());
        for (int k = 0; k < 1500; k++) {
            fields.add("X-Filler-" + k + ": " + "y".repeat(20));
        }
        assertResult(verify(zone(rsa), signed.withFields(fields)), DkimResult.PERMERROR, "header too large");
        byte[] longLine = ("DKIM-Signature: v=1; b=" + "A".repeat(2 << 20) + "\r\n\r\nbody")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(verify(zone(rsa), longLine)).isEmpty();
    }
}
