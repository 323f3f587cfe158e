package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.TestSealer.Sealer;
import org.streamail.detect.auth.internal.dkim.TestSigner.Msg;
import org.streamail.detect.auth.internal.dns.Zone;

/**
 * Our ARC sets checked by the verifier (whose own tests use a sealer written apart from it, {@link TestSealer}): a
 * first set, a set on top of a list's valid chain, the chain broken on the way (cv=fail, its own set only), an ended
 * chain and our own set (nothing added), and the changes after sealing that a verifier must refuse.
 */
class ArcSealerTest {

    static final Instant NOW = Instant.parse("2026-12-08T09:00:00Z");
    static final String GW = "gw.example.org";
    static final String RESULTS = "spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net; "
            + "dmarc=pass (p=reject) header.from=example.net";
    static KeyPair rsa;
    static KeyPair ed;
    static KeyPair list;

    @BeforeAll
    static void keys() {
        rsa = TestSigner.keys("RSA", 2048);
        ed = TestSigner.keys("Ed25519", 0);
        list = TestSigner.keys("RSA", 2048);
    }

    static SigningKey rsaKey() {
        return new SigningKey("example.org", "arc2026", DkimAlgorithm.RSA, rsa.getPrivate(), rsa.getPublic(), 2048);
    }

    static SigningKey edKey() {
        return new SigningKey("example.org", "arced", DkimAlgorithm.ED25519, ed.getPrivate(), ed.getPublic(), 0);
    }

    static Zone zone() {
        return new Zone().txt("arc2026._domainkey.example.org", TestSigner.record(rsa.getPublic(), ""))
                .txt("arced._domainkey.example.org", TestSigner.record(ed.getPublic(), ""))
                .txt("arc._domainkey.lists.example.net", TestSigner.record(list.getPublic(), ""));
    }

    static final String MESSAGE = "Received: from mx.example.net (mx.example.net [192.0.2.9])\r\n"
            + "\tby gw.example.org (Streamail) with ESMTP id 1; Tue, 8 Dec 2026 09:00:00 +0000\r\n"
            + "From: Anna <anna@example.net>\r\n"
            + "To: Bob <bob@example.org>,\r\n  Carol <carol@example.org>\r\n"
            + "Subject: Quarterly   figures\r\n"
            + "Date: Tue, 8 Dec 2026 08:59:00 +0000\r\n"
            + "Message-ID: <q4@example.net>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "\r\n"
            + "The figures:  https://gw.example.org/l/abc\t\r\n\r\n\r\n";

    static String sealed(String message, SigningKey key, boolean chainPassed) {
        ArcSealer.Sealed s = ArcSealer.seal(message.getBytes(StandardCharsets.ISO_8859_1), key, GW, RESULTS,
                chainPassed, NOW);
        assertThat(s.skipped()).isEmpty();
        return String.join("", s.fields()) + message;
    }

    static ArcResult verify(String message) {
        return new ArcVerifier(zone(), 1024).verify(message.getBytes(StandardCharsets.ISO_8859_1), NOW,
                Instant.MAX);
    }

    @Test
    void aFirstSetVerifiesWithRsaAndEd25519() {
        for (SigningKey key : List.of(rsaKey(), edKey())) {
            ArcSealer.Sealed s = ArcSealer.seal(MESSAGE.getBytes(StandardCharsets.ISO_8859_1), key, GW, RESULTS,
                    false, NOW);
            assertThat(s.instance()).isEqualTo(1);
            assertThat(s.cv()).isEqualTo("none");
            assertThat(s.fields()).hasSize(3);
            assertThat(s.fields().get(0).replace("\r\n\t", " ")).startsWith("ARC-Seal: i=1; a=" + key.algorithm().signatureAlgorithm()
                    + "; cv=none; d=example.org; s=" + key.selector() + "; t=" + NOW.getEpochSecond() + ";");
            assertThat(s.fields().get(1)).startsWith("ARC-Message-Signature: i=1;");
            assertThat(s.fields().get(1).replace("\r\n\t", ""))
                    .contains("h=from:to:subject:date:message-id:mime-version:content-type;");
            assertThat(s.fields().get(2)).isEqualTo("ARC-Authentication-Results: i=1; gw.example.org;\r\n"
                    + "\tspf=pass smtp.mailfrom=example.net;\r\n\tdkim=pass header.d=example.net;\r\n"
                    + "\tdmarc=pass (p=reject) header.from=example.net\r\n");
            String message = String.join("", s.fields()) + MESSAGE;
            ArcResult r = verify(message);
            assertThat(r.chain()).as(r + "\n" + message).isEqualTo("pass");
            assertThat(r.instances()).isEqualTo(1);
            assertThat(r.sealer()).isEqualTo("example.org");
            assertThat(r.authResults()).isEqualTo("gw.example.org; spf=pass smtp.mailfrom=example.net; "
                    + "dkim=pass header.d=example.net; dmarc=pass (p=reject) header.from=example.net");
            // every line within 78 characters, as the DKIM signer folds
            assertThat(String.join("", s.fields()).split("\r\n")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(78));
        }
    }

    @Test
    void whatChangesAfterSealingIsRefusedAndWhatIsAddedAboveIsNot() {
        String sealed = sealed(MESSAGE, rsaKey(), false);
        assertThat(verify(sealed.replace("The figures", "The figurez")).reason())
                .startsWith("ARC-Message-Signature i=1 did not verify");
        assertThat(verify(sealed.replace("Subject: Quarterly", "Subject: Yearly")).reason())
                .startsWith("ARC-Message-Signature i=1 did not verify");
        assertThat(verify(sealed.replace("spf=pass", "spf=fail")).reason()).startsWith("ARC-Seal i=1 did not verify");
        // the delivery's own Received and verdict fields go on top afterwards
        assertThat(verify("Received: by gw.example.org; Tue, 8 Dec 2026 09:00:01 +0000\r\n"
                + "X-Streamail-Verdict: TAG SPAM\r\n" + sealed).chain()).isEqualTo("pass");
    }

    @Test
    void onTopOfAListsValidChainTheSealSaysPassAndCoversTheWholeChain() {
        Msg listed = TestSealer.seal(new Msg(List.of("From: Anna <anna@example.net>", "To: list@lists.example.net",
                "Subject: [list] Lunch", "Date: Tue, 8 Dec 2026 08:00:00 +0000", "Message-ID: <l1@example.net>"),
                "Lunch at noon?\r\n"), new Sealer("rsa-sha256", "lists.example.net", "arc", list.getPrivate(),
                        "from:to:subject:date:message-id"), 1, "none", "lists.example.net; dmarc=pass");
        String received = new String(listed.bytes(), StandardCharsets.ISO_8859_1);
        assertThat(verify(received).chain()).isEqualTo("pass");
        ArcSealer.Sealed s = ArcSealer.seal(received.getBytes(StandardCharsets.ISO_8859_1), rsaKey(), GW,
                "arc=pass (1 set, sealed by lists.example.net)", true, NOW);
        assertThat(s.instance()).isEqualTo(2);
        assertThat(s.cv()).isEqualTo("pass");
        String message = String.join("", s.fields()) + received;
        ArcResult r = verify(message);
        assertThat(r.chain()).as(r.toString()).isEqualTo("pass");
        assertThat(r.instances()).isEqualTo(2);
        assertThat(r.sealer()).isEqualTo("example.org");
        // the list's set changed after our seal: our seal covers it
        assertThat(verify(message.replace("lists.example.net; dmarc=pass", "lists.example.net; dmarc=fail")).reason())
                .startsWith("ARC-Seal i=2 did not verify");
    }

    @Test
    void aChainBrokenOnTheWayGetsCvFailOverOurSetOnlyAndAnEndedChainOrOurOwnSetGetsNothing() {
        Msg listed = TestSealer.seal(new Msg(List.of("From: Anna <anna@example.net>", "To: list@lists.example.net",
                "Subject: Lunch", "Date: Tue, 8 Dec 2026 08:00:00 +0000"), "Lunch at noon?\r\n"),
                new Sealer("rsa-sha256", "lists.example.net", "arc", list.getPrivate(), "from:to:subject:date"), 1,
                "none", "lists.example.net; dmarc=pass");
        // changed after the list sealed it: the chain failed at receipt
        String broken = new String(listed.bytes(), StandardCharsets.ISO_8859_1).replace("noon", "one");
        assertThat(verify(broken).chain()).isEqualTo("fail");
        ArcSealer.Sealed s = ArcSealer.seal(broken.getBytes(StandardCharsets.ISO_8859_1), rsaKey(), GW,
                "arc=fail (ARC-Message-Signature i=1 did not verify)", false, NOW);
        assertThat(s.instance()).isEqualTo(2);
        assertThat(s.cv()).isEqualTo("fail");
        String failed = String.join("", s.fields()) + broken;
        // a verifier stops at cv=fail on top; the seal itself covers only its own set: check it as dkimpy would,
        // with the list's set rewritten (our seal must not care)
        assertThat(verify(failed).reason()).isEqualTo("newest ARC-Seal has cv=fail");
        ArcSealer.Sealed again = ArcSealer.seal(failed.getBytes(StandardCharsets.ISO_8859_1), edKey(), "other.example",
                RESULTS, false, NOW);
        assertThat(again.fields()).isEmpty();
        assertThat(again.skipped()).isEqualTo("the chain ended before: its newest seal (i=2) says cv=fail");

        // a second pass over our own output adds nothing (the transformer contract: idempotent)
        String ours = sealed(MESSAGE, rsaKey(), false);
        ArcSealer.Sealed twice = ArcSealer.seal(ours.getBytes(StandardCharsets.ISO_8859_1), rsaKey(), GW, RESULTS,
                false, NOW);
        assertThat(twice.fields()).isEmpty();
        assertThat(twice.skipped()).isEqualTo("its newest set (i=1) is this gateway's own");
        // below the gateway's own results field (the top given): still our own output
        String results = "Authentication-Results: gw.example.org;\r\n\tspf=pass\r\n";
        assertThat(ArcSealer.seal((results + ours).getBytes(StandardCharsets.ISO_8859_1), results.length(), rsaKey(),
                GW, RESULTS, false, NOW).skipped()).isEqualTo("its newest set (i=1) is this gateway's own");
        assertThat(ArcSealer.seal((results + ours).getBytes(StandardCharsets.ISO_8859_1), 0, rsaKey(), GW, RESULTS,
                false, NOW).instance()).isEqualTo(2);
        // the same message back in after it left (our Received line and others above our set): the next set
        ArcSealer.Sealed back = ArcSealer.seal(("Received: from mx.example.net by gw.example.org (Streamail) with ESMTP"
                + " id 2; Tue, 8 Dec 2026 10:00:00 +0000\r\n" + ours).getBytes(StandardCharsets.ISO_8859_1), rsaKey(),
                GW, RESULTS + "; arc=pass", true, NOW);
        assertThat(back.instance()).isEqualTo(2);
        assertThat(back.cv()).isEqualTo("pass");
        // another sealer of ours (another selector) does add its set
        assertThat(ArcSealer.seal(ours.getBytes(StandardCharsets.ISO_8859_1), edKey(), GW, RESULTS, true, NOW)
                .instance()).isEqualTo(2);
    }

    @Test
    void aChainAtItsLimitAndBadArgumentsAreRefused() {
        StringBuilder fifty = new StringBuilder();
        for (int i = 50; i >= 1; i--) {
            fifty.append("ARC-Seal: i=").append(i).append("; a=rsa-sha256; cv=").append(i == 1 ? "none" : "pass")
                    .append("; d=x.example; s=s; b=AAAA\r\n");
        }
        assertThat(ArcSealer.seal((fifty + MESSAGE).getBytes(StandardCharsets.ISO_8859_1), rsaKey(), GW, RESULTS,
                true, NOW).skipped()).isEqualTo("the chain has 50 sets, the most there may be");
        assertThatThrownBy(() -> ArcSealer.seal(MESSAGE.getBytes(StandardCharsets.ISO_8859_1), rsaKey(), GW,
                "spf=pass\r\nX-Evil: 1", false, NOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArcSealer.seal(MESSAGE.getBytes(StandardCharsets.ISO_8859_1), rsaKey(), "gw; x",
                RESULTS, false, NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
