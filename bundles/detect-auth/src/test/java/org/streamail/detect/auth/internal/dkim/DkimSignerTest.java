package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.detect.auth.internal.dns.Zone;

/**
 * The signer against the bundle's own verifier: every canonicalisation with RSA and Ed25519; what over-signing
 * refuses; what breaks a signature and what does not; the signature's tags and folding; and the DNS check of a
 * published key. (The independent check, Debian's dkimpy, is {@code DkimpyInteropTest}.)
 */
class DkimSignerTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    static final List<String> HEADERS = List.of("from", "to", "cc", "subject", "date", "message-id", "in-reply-to",
            "references", "reply-to", "mime-version", "content-type", "content-transfer-encoding", "list-unsubscribe",
            "list-unsubscribe-post", "list-id");
    static final Set<String> OVERSIGN = Set.of("from", "to", "cc", "subject", "date", "reply-to");

    static final String MESSAGE = "Received: by gw.example.org (Streamail) with ESMTP id 1; Mon, 7 Dec 2026 12:00:00"
            + " +0000\r\n"
            + "From: Alice <alice@example.org>\r\n"
            + "To: Bob <bob@far.example>,\r\n  Carol <carol@far.example>\r\n"
            + "Subject: Quarterly   figures\r\n"
            + "Date: Mon, 7 Dec 2026 11:59:00 +0000\r\n"
            + "Message-ID: <sm1.abc@example.org>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "\r\n"
            + "Hello Bob,  \r\n\r\nthe figures\tare attached.\r\n\r\n\r\n";

    static KeyPair rsa;
    static KeyPair ed;

    @BeforeAll
    static void keys() {
        rsa = TestSigner.keys("RSA", 2048);
        ed = TestSigner.keys("Ed25519", 0);
    }

    static SigningKey rsaKey() {
        return new SigningKey("example.org", "s1", DkimAlgorithm.RSA, rsa.getPrivate(), rsa.getPublic(), 2048);
    }

    static SigningKey edKey() {
        return new SigningKey("example.org", "s1", DkimAlgorithm.ED25519, ed.getPrivate(), ed.getPublic(), 256);
    }

    static Zone zone(SigningKey key) {
        return new Zone().txt("s1._domainkey.example.org", key.record().text());
    }

    static DkimSigner signer(String c) {
        String[] p = c.split("/");
        return new DkimSigner(p[0].equals("relaxed"), p[1].equals("relaxed"), HEADERS, OVERSIGN, null);
    }

    static String sign(DkimSigner signer, String message, SigningKey key) throws IOException {
        byte[] raw = message.getBytes(StandardCharsets.ISO_8859_1);
        return signer.sign(DkimSigner.read(new ByteArrayInputStream(raw)), key, NOW);
    }

    static DkimSignatureResult verify(Zone zone, String message) {
        List<DkimSignatureResult> results = new DkimVerifier(zone, 5, 1024)
                .verify(message.getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX);
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    static void assertPass(Zone zone, String message) {
        DkimSignatureResult r = verify(zone, message);
        assertThat(r.result()).as(r + "\n" + message).isEqualTo(DkimResult.PASS);
        assertThat(r.vouches()).isTrue();
    }

    static void assertFail(Zone zone, String message, String reason) {
        DkimSignatureResult r = verify(zone, message);
        assertThat(r.result()).as(r.toString()).isEqualTo(DkimResult.FAIL);
        assertThat(r.reason()).isEqualTo(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"})
    void rsaAndEd25519SignaturesVerifyInEveryCanonicalisation(String c) throws Exception {
        for (SigningKey key : List.of(rsaKey(), edKey())) {
            String field = sign(signer(c), MESSAGE, key);
            assertPass(zone(key), field + MESSAGE);
            assertThat(field).contains("a=" + key.algorithm().signatureAlgorithm() + ";", "c=" + c + ";");
        }
    }

    @Test
    void theFieldHasTheTagsInOrderNoLengthAndIsFoldedAtSeventyEightColumns() throws Exception {
        String field = sign(new DkimSigner(true, true, HEADERS, OVERSIGN, Duration.ofDays(7)), MESSAGE, rsaKey());
        assertThat(field).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;")
                .endsWith("\r\n");
        String unfolded = field.replace("\r\n\t", " ").strip();
        Matcher m = Pattern.compile("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1; t=(\\d+); x=(\\d+);"
                + " h=([a-z:\\- ]+); bh=([A-Za-z0-9+/=]+); b=([A-Za-z0-9+/= ]+)").matcher(unfolded);
        assertThat(m.find()).as(unfolded).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(NOW.getEpochSecond());
        assertThat(Long.parseLong(m.group(2))).isEqualTo(NOW.getEpochSecond() + Duration.ofDays(7).toSeconds());
        // each configured field as often as present, the over-signed ones once more (so Cc and Reply-To, absent,
        // once), the other absent ones not at all
        assertThat(m.group(3).replace(" ", "")).isEqualTo("from:from:to:to:cc:subject:subject:date:date:message-id:"
                + "reply-to:mime-version:content-type");
        assertThat(unfolded).doesNotContain("l=", "i=");
        for (String line : field.split("\r\n")) {
            assertThat(line.replace("\t", "        ").length()).as(line).isLessThanOrEqualTo(78);
            assertThat(line.isBlank()).isFalse();
        }
        assertThat(field.split("\r\n", -1)).endsWith("");
    }

    @Test
    void overSigningRefusesAFromOrSubjectAddedOnTheWayWhileAnUnsignedFieldMayBeAdded() throws Exception {
        for (SigningKey key : List.of(rsaKey(), edKey())) {
            Zone zone = zone(key);
            String signed = sign(signer("relaxed/relaxed"), MESSAGE, key) + MESSAGE;
            assertPass(zone, signed);
            // a second From on top, above the signature: the verifier picks it for the extra "from" in h=
            assertFail(zone, "From: ceo@example.org\r\n" + signed, "signature did not verify");
            assertFail(zone, signed.replace("Subject: Quarterly", "Subject: Urgent\r\nSubject: Quarterly"),
                    "signature did not verify");
            assertFail(zone, signed.replace("MIME-Version", "Reply-To: mallory@evil.example\r\nMIME-Version"),
                    "signature did not verify");
            // a field the signature does not cover
            assertPass(zone, "X-Mailing-List: partners\r\n" + signed);
        }
    }

    @Test
    void aChangedBodyOrSignedFieldFails() throws Exception {
        for (SigningKey key : List.of(rsaKey(), edKey())) {
            Zone zone = zone(key);
            String signed = sign(signer("relaxed/relaxed"), MESSAGE, key) + MESSAGE;
            assertFail(zone, signed.replace("the figures", "the new figures"), "body hash did not verify");
            assertFail(zone, signed + "P.S. appended\r\n", "body hash did not verify");
            assertFail(zone, signed.replace("Quarterly", "Quarterlx"), "signature did not verify");
        }
    }

    @Test
    void relaxedSignaturesSurviveReorderedFieldsAndChangedWhiteSpaceSimpleOnesOnlyTheOrder() throws Exception {
        for (SigningKey key : List.of(rsaKey(), edKey())) {
            Zone zone = zone(key);
            String relaxed = sign(signer("relaxed/relaxed"), MESSAGE, key) + MESSAGE;
            String simple = sign(signer("simple/simple"), MESSAGE, key) + MESSAGE;
            // fields of different names in another order: the signature picks by name
            String order = "Subject: Quarterly   figures\r\n";
            for (String signed : List.of(relaxed, simple)) {
                String reordered = signed.replace(order, "").replace("MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\n"
                        + order);
                assertThat(reordered).isNotEqualTo(signed);
                assertPass(zone, reordered);
            }
            // white space a relay may change: refolding, spaces around the colon and in the value, the name's case,
            // trailing white space and blank lines at the end of the body
            String spaced = relaxed.replace("Subject: Quarterly   figures", "subject :  Quarterly figures")
                    .replace("To: Bob <bob@far.example>,\r\n  Carol", "To: Bob <bob@far.example>, Carol")
                    .replace("Hello Bob,  \r\n", "Hello Bob,\r\n").replace("figures\tare", "figures are")
                    + "\r\n\r\n";
            assertPass(zone, spaced);
            String simpleSpaced = simple.replace("Subject: Quarterly   figures", "subject :  Quarterly figures");
            assertFail(zone, simpleSpaced, "signature did not verify");
            assertFail(zone, simple.replace("Hello Bob,  \r\n", "Hello Bob,\r\n"), "body hash did not verify");
        }
    }

    @Test
    void theFieldIsSignedWithItsBEmptyAndAnExistingSignatureOfTheInsideIsLeft() throws Exception {
        // the organisation's server signed with the same d= and s=: that one is the inside's, ours goes on top
        String inside = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from; bh=AAAA; b=AAAA\r\n";
        String field = sign(signer("relaxed/relaxed"), inside + MESSAGE, rsaKey());
        List<DkimSignatureResult> results = new DkimVerifier(zone(rsaKey()), 5, 1024)
                .verify((field + inside + MESSAGE).getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX);
        assertThat(results).extracting(DkimSignatureResult::result).containsExactly(DkimResult.PASS, DkimResult.FAIL);
        // b= covers the folding of its own value: a changed tag in the field breaks it, a refolded b= value does not
        String signed = field + MESSAGE;
        assertFail(zone(rsaKey()), signed.replace("t=" + NOW.getEpochSecond(), "t=" + (NOW.getEpochSecond() - 1)),
                "signature did not verify");
        int b = signed.indexOf("b=", signed.indexOf("bh="));
        String refolded = signed.substring(0, b + 2) + signed.substring(b + 2).replaceFirst("\r\n\t", "\r\n  ");
        assertPass(zone(rsaKey()), refolded);
    }

    @Test
    void twoKeysSignFromOneReadingEachOverTheMessageAsGivenAndNeitherSignsTheOther() throws Exception {
        SigningKey r = rsaKey();
        SigningKey e = new SigningKey("example.org", "e1", DkimAlgorithm.ED25519, ed.getPrivate(), ed.getPublic(), 256);
        Zone zone = zone(r).txt("e1._domainkey.example.org", e.record().text());
        // an inside signature: signed by the organisation's server, not ours to sign
        String inside = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from; bh=AAAA; b=AAAA\r\n";
        for (String c : List.of("relaxed/relaxed", "simple/simple")) {
            byte[] raw = (inside + MESSAGE).getBytes(StandardCharsets.ISO_8859_1);
            List<String> fields = signer(c).sign(DkimSigner.read(new ByteArrayInputStream(raw)), List.of(r, e), NOW);
            assertThat(fields).hasSize(2);
            assertThat(fields.get(0)).contains("a=rsa-sha256;", "s=s1;");
            assertThat(fields.get(1)).contains("a=ed25519-sha256;", "s=e1;");
            // the same fields, body hash and time: only the key differs
            String h0 = tag(fields.get(0), "h");
            assertThat(h0).isEqualTo(tag(fields.get(1), "h")).doesNotContainIgnoringCase("dkim-signature");
            assertThat(tag(fields.get(0), "bh")).isEqualTo(tag(fields.get(1), "bh"));
            assertThat(tag(fields.get(0), "t")).isEqualTo(tag(fields.get(1), "t"));

            String signed = String.join("", fields) + inside + MESSAGE;
            List<DkimSignatureResult> results = new DkimVerifier(zone, 5, 1024)
                    .verify(signed.getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX);
            assertThat(results).extracting(DkimSignatureResult::result)
                    .containsExactly(DkimResult.PASS, DkimResult.PASS, DkimResult.FAIL);
            assertThat(results).extracting(DkimSignatureResult::algorithm)
                    .containsExactly("rsa-sha256", "ed25519-sha256", "rsa-sha256");
            // in the other order on top, or either alone, each verifies just the same
            String swapped = fields.get(1) + fields.get(0) + inside + MESSAGE;
            assertThat(new DkimVerifier(zone, 5, 1024).verify(swapped.getBytes(StandardCharsets.ISO_8859_1), NOW,
                    Instant.MAX)).extracting(DkimSignatureResult::result)
                    .containsExactly(DkimResult.PASS, DkimResult.PASS, DkimResult.FAIL);
            assertThat(new DkimVerifier(zone, 5, 1024).verify((fields.get(1) + inside + MESSAGE)
                    .getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX)).extracting(DkimSignatureResult::result)
                    .containsExactly(DkimResult.PASS, DkimResult.FAIL);
            // a change breaks both
            assertThat(new DkimVerifier(zone, 5, 1024).verify(signed.replace("Quarterly", "Quarterlx")
                    .getBytes(StandardCharsets.ISO_8859_1), NOW, Instant.MAX)).extracting(DkimSignatureResult::result)
                    .containsExactly(DkimResult.FAIL, DkimResult.FAIL, DkimResult.FAIL);
        }
    }

    @Test
    void oneOrTwoKeysSignAMessageAndADkimSignatureFieldIsNeverSigned() throws Exception {
        assertThat(DkimSigner.MAX_SIGNATURES).isEqualTo(2);
        byte[] raw = MESSAGE.getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> signer("relaxed/relaxed").sign(DkimSigner.read(new ByteArrayInputStream(raw)),
                List.of(), NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("one to 2 keys sign a message, not 0");
        assertThatThrownBy(() -> signer("relaxed/relaxed").sign(DkimSigner.read(new ByteArrayInputStream(raw)),
                List.of(rsaKey(), edKey(), rsaKey()), NOW)).hasMessage("one to 2 keys sign a message, not 3");
        assertThatThrownBy(() -> new DkimSigner(true, true, List.of("from", "dkim-signature"), Set.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a signature of ours never signs a DKIM-Signature field");
    }

    /** The value of {@code name} in a signature field, unfolded, without white space. */
    private static String tag(String field, String name) {
        Matcher m = Pattern.compile("[; ]" + name + "=([^;]*);").matcher(field.replace("\r\n\t", " "));
        assertThat(m.find()).as(name + " in " + field).isTrue();
        return m.group(1).replace(" ", "");
    }

    @Test
    void bareLineFeedsHeaderOnlyAndEmptyBodiesAndLargeBodiesAreSignedAsVerifiersReadThem() throws Exception {
        SigningKey key = rsaKey();
        Zone zone = zone(key);
        for (String c : List.of("relaxed/relaxed", "simple/simple")) {
            String lf = MESSAGE.replace("\r\n", "\n");
            assertPass(zone, sign(signer(c), lf, key) + lf);
            String headerOnly = "From: alice@example.org\r\nSubject: x\r\n";
            assertPass(zone, sign(signer(c), headerOnly, key) + headerOnly);
            String empty = "From: alice@example.org\r\n\r\n";
            assertPass(zone, sign(signer(c), empty, key) + empty);
            // no From at all (the component never signs such a message, the engine still names From in h=)
            DkimSigner plain = new DkimSigner(c.startsWith("relaxed"), c.endsWith("relaxed"), HEADERS, Set.of(), null);
            String noFrom = "Subject: x\r\n\r\nbody\r\n";
            String field = sign(plain, noFrom, key);
            assertThat(field.replaceAll("\\s+", "")).contains("h=from:subject;");
            assertPass(zone, field + noFrom);
            // larger than the header buffer and the body chunks, with a CR LF split across both
            StringBuilder big = new StringBuilder("From: alice@example.org\r\n");
            big.append("X-Pad: ").append("p".repeat(16 * 1024 - 33)).append("\r\n\r\n");
            for (int i = 0; i < 20_000; i++) {
                big.append("line ").append(i).append(" \t with  spaces\r\n");
            }
            assertPass(zone, sign(signer(c), big.toString(), key) + big);
        }
    }

    @Test
    void aHeaderLargerThanTheSignerReadsIsRefused() {
        String many = "From: alice@example.org\r\n" + "X: 1\r\n".repeat(DkimSigner.MAX_FIELDS) + "\r\nbody\r\n";
        assertThatThrownBy(() -> sign(signer("relaxed/relaxed"), many, rsaKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the message header is larger than the signer reads (10000 fields, 8 MiB)");
        String fine = "From: alice@example.org\r\n" + "X: 1\r\n".repeat(DkimSigner.MAX_FIELDS - 2) + "\r\nbody\r\n";
        org.assertj.core.api.Assertions.assertThatCode(() -> sign(signer("relaxed/relaxed"), fine, rsaKey()))
                .doesNotThrowAnyException();
    }

    @Test
    void aKeyWhoseHalvesDoNotBelongTogetherDoesNotSign() {
        KeyPair other = TestSigner.keys("RSA", 2048);
        SigningKey broken = new SigningKey("example.org", "s1", DkimAlgorithm.RSA, rsa.getPrivate(), other.getPublic(),
                2048);
        assertThatThrownBy(() -> DkimSigner.selfTest(broken)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not verify with its public key");
        assertThatThrownBy(() -> new DkimSigner(true, true, List.of("to"), Set.of(), null))
                .hasMessageContaining("must include From");
    }

    @Test
    void theRecordToPublishIsCutInto255ByteStringsAndTheDnsCheckSaysWhatIsPublished() {
        KeyPair big = TestSigner.keys("RSA", 4096);
        SigningKey key = new SigningKey("example.org", "s1", DkimAlgorithm.RSA, big.getPrivate(), big.getPublic(), 4096);
        assertThat(key.record().name()).isEqualTo("s1._domainkey.example.org");
        assertThat(key.record().strings()).hasSize(3).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));
        assertThat(key.record().text()).startsWith("v=DKIM1; k=rsa; p=MII");
        assertThat(key.record().zoneLine()).startsWith("s1._domainkey.example.org IN TXT \"v=DKIM1; k=rsa; p=")
                .contains("\" \"");
        assertThat(edKey().record().text()).startsWith("v=DKIM1; k=ed25519; p=").hasSize(22 + 44);

        assertThat(PublishedKey.check(key, new Zone()).result()).isEqualTo(DnsCheck.MISSING);
        assertThat(PublishedKey.check(key, new Zone().txt("s1._domainkey.example.org", key.record().text())))
                .isEqualTo(new PublishedKey.Check(DnsCheck.MATCHES, ""));
        // a bare PKCS#1 key, as some domains publish it, is the same key
        byte[] spki = big.getPublic().getEncoded();
        byte[] pkcs1 = java.util.Arrays.copyOfRange(spki, spki.length - (((RSAPublicKey) big.getPublic()).getModulus()
                .bitLength() / 8 + 14), spki.length);
        Zone bare = new Zone().txt("s1._domainkey.example.org", "v=DKIM1; p="
                + java.util.Base64.getEncoder().encodeToString(pkcs1));
        assertThat(PublishedKey.check(key, bare).result()).as("PKCS#1 form").isEqualTo(DnsCheck.MATCHES);
        assertThat(PublishedKey.check(key, zone(rsaKey()))).isEqualTo(new PublishedKey.Check(DnsCheck.DIFFERS,
                "another key is published"));
        assertThat(PublishedKey.check(key, new Zone().txt("s1._domainkey.example.org", "v=DKIM1; p=")))
                .isEqualTo(new PublishedKey.Check(DnsCheck.DIFFERS, "the key there is revoked (empty p=)"));
        assertThat(PublishedKey.check(key, zone(edKey())).detail())
                .isEqualTo("a key of type k=ed25519 is published, this one is rsa");
        assertThat(PublishedKey.check(key, new Zone().servfail("s1._domainkey.example.org")).result())
                .isEqualTo(DnsCheck.FAILED);
        assertThat(PublishedKey.check(edKey(), zone(edKey())).result()).isEqualTo(DnsCheck.MATCHES);
    }
}
