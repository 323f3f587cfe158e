package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.detect.auth.internal.dkim.TestSealer.Sealer;
import org.streamail.detect.auth.internal.dkim.TestSigner.Msg;
import org.streamail.detect.auth.internal.dns.Zone;

class ArcVerifierTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String LIST_KEY = "arc._domainkey.lists.example.net";
    private static final String FWD_KEY = "seal._domainkey.forwarder.example.com";
    private static final String RESULTS = "mx.lists.example.net; spf=pass smtp.mailfrom=example.org;\r\n\tdkim=pass"
            + " header.d=example.org; dmarc=pass header.from=example.org";
    private static final String RESULTS_UNFOLDED = "mx.lists.example.net; spf=pass smtp.mailfrom=example.org;"
            + " dkim=pass header.d=example.org; dmarc=pass header.from=example.org";
    private static KeyPair rsa;
    private static KeyPair ed;

    private static final Msg MSG = new Msg(List.of(
            "From: Alice <alice@example.org>",
            "To: list@lists.example.net",
            "Subject: Lunch\r\n on Friday?",
            "Date: Mon, 07 Dec 2026 11:59:00 +0000",
            "Message-ID: <1@example.org>"),
            "Hello list,\r\n\r\nLunch at  noon?\t \r\n\r\nAlice\r\n");

    @BeforeAll
    static void keys() {
        rsa = TestSigner.keys("RSA", 2048);
        ed = TestSigner.keys("Ed25519", 0);
    }

    private static Sealer list() {
        return new Sealer("rsa-sha256", "lists.example.net", "arc", rsa.getPrivate(), "from:to:subject:date");
    }

    private static Sealer forwarder() {
        return new Sealer("ed25519-sha256", "forwarder.example.com", "seal", ed.getPrivate(),
                "from:to:subject:date:message-id");
    }

    private static Zone zone() {
        return new Zone().txt(LIST_KEY, TestSigner.record(rsa.getPublic(), ""))
                .txt(FWD_KEY, TestSigner.record(ed.getPublic(), ""));
    }

    private static ArcResult verify(Zone zone, Msg msg) {
        return verify(zone, msg.bytes());
    }

    private static ArcResult verify(Zone zone, byte[] raw) {
        return new ArcVerifier(zone, 1024).verify(raw, NOW, Instant.MAX);
    }

    private static Msg oneSet() {
        return TestSealer.seal(MSG, list(), 1, "none", RESULTS);
    }

    /** The list seals, changes the Subject and footer as lists do, then the forwarder seals. */
    private static Msg twoSets() {
        Msg listed = oneSet();
        Msg changed = listed.replaceField("Subject: Lunch\r\n on Friday?", "Subject: [list] Lunch on Friday?")
                .withBody(listed.body() + "--\r\nlist footer\r\n");
        return TestSealer.seal(changed, forwarder(), 2, "pass", "fwd.example.com; arc=pass");
    }

    private static void assertFail(ArcResult r, String reason) {
        assertThat(r.chain()).as(r.toString()).isEqualTo("fail");
        assertThat(r.reason()).as(r.toString()).isEqualTo(reason);
        assertThat(r.sealer()).isEmpty();
        assertThat(r.authResults()).isEmpty();
    }

    // --- pass and none ---

    @Test
    void noArcIsNone() {
        assertThat(verify(zone(), MSG)).isEqualTo(new ArcResult("none", 0, "", "", ""));
        assertThat(new ArcVerifier(zone(), 1024).verify(null, NOW, Instant.MAX)).isEqualTo(ArcResult.NONE);
    }

    @Test
    void oneSetPasses() {
        assertThat(verify(zone(), oneSet()))
                .isEqualTo(new ArcResult("pass", 1, "lists.example.net", RESULTS_UNFOLDED, ""));
    }

    @Test
    void oneSetPassesWithBareLf() {
        byte[] lf = new String(oneSet().bytes(), StandardCharsets.ISO_8859_1).replace("\r\n", "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(verify(zone(), lf).chain()).isEqualTo("pass");
    }

    @Test
    void twoSetsPassWithTheNewestSealer() {
        assertThat(verify(zone(), twoSets()))
                .isEqualTo(new ArcResult("pass", 2, "forwarder.example.com", "fwd.example.com; arc=pass", ""));
    }

    @Test
    void unrelatedFieldsAddedAfterSealingDoNotMatter() {
        Msg more = twoSets().addField(0, "Received: from fwd.example.com").appendField("X-Spam: no");
        assertThat(verify(zone(), more).chain()).isEqualTo("pass");
    }

    @Test
    void fiftyInstancesPass() {
        Msg m = TestSealer.seal(MSG, forwarder(), 1, "none", "a; none");
        for (int i = 2; i <= 50; i++) {
            m = TestSealer.seal(m, forwarder(), i, "pass", "a" + i + "; none");
        }
        assertThat(verify(zone(), m)).isEqualTo(new ArcResult("pass", 50, "forwarder.example.com", "a50; none", ""));
    }

    // --- changes after sealing ---

    @Test
    void bodyChangedAfterTheNewestAmsFails() {
        Msg m = twoSets();
        assertFail(verify(zone(), m.withBody(m.body().replace("noon", "one"))),
                "ARC-Message-Signature i=2 did not verify: body hash did not verify");
    }

    @Test
    void signedFieldChangedAfterTheNewestAmsFails() {
        Msg m = twoSets().replaceField("To: list@lists.example.net", "To: mallory@example.net");
        assertFail(verify(zone(), m), "ARC-Message-Signature i=2 did not verify: signature did not verify");
    }

    @Test
    void olderAarChangedAfterSealingFails() {
        Msg m = twoSets();
        String aar1 = m.fields().stream().filter(f -> f.startsWith("ARC-Authentication-Results: i=1;")).findFirst()
                .orElseThrow();
        Msg changed = m.replaceField(aar1, aar1.replace("spf=pass", "spf=fail"));
        assertFail(verify(zone(), changed), "ARC-Seal i=2 did not verify: signature did not verify");
    }

    @Test
    void newestSealChangedFails() {
        Msg m = oneSet();
        String as = m.fields().get(0);
        assertThat(as).startsWith("ARC-Seal: i=1;");
        assertFail(verify(zone(), m.replaceField(as, as.replace("t=1796644800", "t=1796644801"))),
                "ARC-Seal i=1 did not verify: signature did not verify");
    }

    // --- structure ---

    @Test
    void missingInstanceFails() {
        Msg gap = TestSealer.seal(oneSet(), forwarder(), 3, "pass", "fwd.example.com; arc=pass");
        ArcResult r = verify(zone(), gap);
        assertFail(r, "instance 2 missing (ARC-Authentication-Results)");
        assertThat(r.instances()).isEqualTo(2);

        Msg m = oneSet();
        List<String> f = new ArrayList<>(m.fields());
        f.removeIf(x -> x.startsWith("ARC-Message-Signature:"));
        assertFail(verify(zone(), m.withFields(f)), "instance 1 missing (ARC-Message-Signature)");
    }

    @Test
    void duplicateInstanceFails() {
        Msg m = oneSet().appendField("ARC-Authentication-Results: i=1; evil.example; spf=pass");
        assertFail(verify(zone(), m), "instance 1 duplicated (ARC-Authentication-Results)");
        // two complete sets claiming i=1
        Msg twice = TestSealer.seal(oneSet(), forwarder(), 1, "none", "fwd.example.com; arc=none");
        assertThat(verify(zone(), twice).reason()).startsWith("instance 1 duplicated");
    }

    @Test
    void cvFailOnTopFails() {
        Msg m = TestSealer.seal(oneSet(), forwarder(), 2, "fail", "fwd.example.com; arc=fail");
        assertFail(verify(zone(), m), "newest ARC-Seal has cv=fail");
    }

    @Test
    void firstInstanceWithCvPassFails() {
        assertFail(verify(zone(), TestSealer.seal(MSG, list(), 1, "pass", RESULTS)),
                "ARC-Seal i=1 has cv=pass, not none");
        Msg secondNone = TestSealer.seal(oneSet(), forwarder(), 2, "none", "fwd.example.com; arc=none");
        assertFail(verify(zone(), secondNone), "ARC-Seal i=2 has cv=none, not pass");
    }

    @Test
    void fiftyOneInstancesFail() {
        Msg m = TestSealer.seal(MSG, forwarder(), 1, "none", "a; none");
        for (int i = 2; i <= 51; i++) {
            m = TestSealer.seal(m, forwarder(), i, "pass", "a" + i + "; none");
        }
        assertThat(verify(zone(), m).chain()).isEqualTo("fail");
        assertThat(verify(zone(), m).reason()).isEqualTo("more than 50 instances");
    }

    @Test
    void amsSigningArcSealFails() {
        Msg m = TestSealer.seal(MSG, list().withH("from:to:subject:arc-seal"), 1, "none", RESULTS);
        assertFail(verify(zone(), m), "ARC-Message-Signature i=1 did not verify: h= includes ARC-Seal");
    }

    @Test
    void amsWithVersionTagFails() {
        Msg m = oneSet();
        String ams = m.fields().get(1);
        assertThat(ams).startsWith("ARC-Message-Signature: i=1;");
        assertFail(verify(zone(), m.replaceField(ams, ams.replace("i=1;", "i=1; v=1;"))),
                "ARC-Message-Signature i=1 did not verify: v= not allowed in ARC-Message-Signature");
    }

    // --- DNS and time ---

    @Test
    void servfailOnTheSealerKeyIsTemperror() {
        Zone zone = zone().servfail(LIST_KEY);
        // i=2's AMS and AS verify with the forwarder's key; i=1's seal needs the list's
        ArcResult r = verify(zone, twoSets());
        assertFail(r, "temperror: ARC-Seal i=1: key look-up failed: SERVFAIL for " + LIST_KEY);
        assertThat(verify(zone, oneSet()).reason()).startsWith("temperror: ARC-Message-Signature i=1: key look-up");
    }

    @Test
    void missingKeyFails() {
        Zone zone = new Zone().txt(FWD_KEY, TestSigner.record(ed.getPublic(), ""));
        assertFail(verify(zone, twoSets()), "ARC-Seal i=1 did not verify: no key");
    }

    @Test
    void deadlinePassedIsTemperror() {
        ArcResult r = new ArcVerifier(zone(), 1024).verify(oneSet().bytes(), NOW, Instant.EPOCH);
        assertFail(r, "temperror: time-out");
    }

    // --- hostile input ---

    @Test
    void garbageArcFieldsFailWithoutException() {
        List<String> garbage = List.of(
                "ARC-Seal: ", "ARC-Seal: i=", "ARC-Seal: i=x; cv=none", "ARC-Seal: i=0; cv=none",
                "ARC-Seal: i=99999999999; cv=none", "ARC-Seal: i=1; i=1", "ARC-Seal: ;;;", "ARC-Seal: i=1; =x",
                "ARC-Authentication-Results: none", "ARC-Authentication-Results: i=;", "ARC-Authentication-Results:",
                "ARC-Message-Signature: i=1; \u00ff\u0000=1", "arc-seal:i=1;cv=none;b=;d=;s=;a=",
                "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=lists.example.net; s=arc; b=!!!");
        for (String g : garbage) {
            ArcResult r = verify(zone(), MSG.addField(0, g));
            assertThat(r.chain()).as(g).isEqualTo("fail");
            assertThat(r.reason()).as(g).isNotEmpty().doesNotContain("internal error");
        }
        // a complete set of three garbage fields
        Msg set = MSG.addField(0, "ARC-Authentication-Results: i=1; x")
                .addField(0, "ARC-Message-Signature: i=1; a=rsa-sha256; b=AAAA")
                .addField(0, "ARC-Seal: i=1; cv=none; a=rsa-sha256; b=AAAA; d=lists.example.net; s=arc");
        assertThat(verify(zone(), set).reason()).startsWith("ARC-Message-Signature i=1 did not verify: missing tag");
    }

    @Test
    void authResultsAreCleanedAndBounded() {
        String longResults = "mx.example; \u0001dkim=pass\r\n\t reason=\"" + "x".repeat(3000) + "\"";
        ArcResult r = verify(zone(), TestSealer.seal(MSG, list(), 1, "none", longResults));
        assertThat(r.chain()).isEqualTo("pass");
        assertThat(r.authResults()).startsWith("mx.example; dkim=pass reason=\"xxx").hasSize(1000)
                .doesNotContain("\u0001");
    }

    @Test
    void randomCorruptionNeverThrowsAndRarelyPasses() {
        byte[] sealed = twoSets().bytes();
        Random random = new Random(8617);
        Zone zone = zone();
        ArcVerifier verifier = new ArcVerifier(zone, 1024);
        int passes = 0;
        for (int n = 0; n < 300; n++) {
            byte[] b = sealed.clone();
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            ArcResult r = verifier.verify(b, NOW, Instant.MAX);
            assertThat(r.chain()).isIn("none", "pass", "fail");
            assertThat(r.reason()).doesNotContain("internal error");
            if (r.chain().equals("pass")) {
                passes++;
            }
        }
        // a byte changed in unsigned places (the Received-free header has few) may still pass; most must not
        assertThat(passes).isLessThan(150);
    }
}
