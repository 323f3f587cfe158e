package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

class StamperTest {

    final Signer signer = new Signer(SignerTest.KEY);
    final Stamper stamper = new Stamper(signer, PolicyTest.policy(Map.of("default.rules", "marketing@*=P14D",
            "trusted.domains", "partner.example")), Set.of("corp.example"));

    static Envelope outbound(String sender) {
        return new Envelope(sender, List.of("x@elsewhere.example"), "10.0.0.5", "ws1", true, Instant.now(),
                Direction.OUTBOUND, null);
    }

    static Envelope inbound(String sender) {
        return new Envelope(sender, List.of("alice@corp.example"), "203.0.113.9", "mx", false, Instant.now(),
                Direction.INBOUND, null);
    }

    static byte[] msg(String headers, String body) {
        return (headers + "\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
    }

    static HeaderBlock parsed(byte[] raw) throws Exception {
        return HeaderBlock.parse(raw);
    }

    @Test
    void internalMailWithoutAHeaderGetsTheRulePeriodSignedAndItsBodyUntouched() throws Exception {
        String body = "caf\u00e9 \u00ff binary-ish\r\n.\r\nend\r\n";
        byte[] raw = msg("From: marketing@corp.example\r\nMessage-ID: <m1@corp.example>\r\nSubject: Sale\r\n", body);
        Stamper.Stamped s = stamper.stamp(raw, outbound("marketing@corp.example"));
        HeaderBlock h = parsed(s.raw());
        assertThat(h.values("X-Retention-Period")).containsExactly("P14D");
        Signer.SignedClaim claim = signer.verify(h.values("X-Streamail-Retention-Sig").get(0), "<m1@corp.example>").orElseThrow();
        assertThat(claim.term()).isEqualTo("P14D");
        assertThat(claim.modifiable()).isFalse();
        assertThat(new String(s.raw(), StandardCharsets.ISO_8859_1)).endsWith("Subject: Sale\r\n\r\n" + body);
        assertThat(s.outcome()).contains("rule marketing@*=P14D");
    }

    @Test
    void theSendersOwnHeaderAndPermissionAreSignedForAnAuthenticatedInternalSender() throws Exception {
        byte[] raw = msg("From: ceo@corp.example\r\nMessage-ID: <m2@corp.example>\r\nX-Retention-Period: PT48H\r\n"
                + "X-Retention-Modifiable: yes\r\n", "hi\r\n");
        Envelope submitted = new Envelope("ceo@corp.example", List.of("alice@corp.example"), "10.0.0.7", "ws",
                true, Instant.now(), Direction.INBOUND, "ceo");
        HeaderBlock h = parsed(stamper.stamp(raw, submitted).raw());
        Signer.SignedClaim claim = signer.verify(h.values("X-Streamail-Retention-Sig").get(0), "<m2@corp.example>").orElseThrow();
        assertThat(claim.term()).isEqualTo("PT48H");
        assertThat(claim.modifiable()).isTrue();
    }

    @Test
    void aStrangersForgedSignatureIsRemovedAndNothingIsSigned() throws Exception {
        String forged = signer.sign("PT1H", true, "<x@corp.example>").replace("t=PT1H", "t=PT2H");
        byte[] raw = msg("From: ceo@corp.example\r\nMessage-ID: <x@corp.example>\r\nX-Streamail-Retention-Sig: "
                + forged + "\r\n\tcontinued\r\nX-Retention-Period: PT1H\r\n", "body\r\n");
        // Spoofed internal sender arriving from the Internet, unauthenticated.
        Stamper.Stamped s = stamper.stamp(raw, inbound("ceo@corp.example"));
        HeaderBlock h = parsed(s.raw());
        assertThat(h.values("X-Streamail-Retention-Sig")).isEmpty();
        assertThat(h.values("X-Retention-Period")).containsExactly("PT1H");
        assertThat(s.outcome()).contains("foreign signature removed");
    }

    /** The signature fields Jakarta Mail (GreenMail's parser, and the sweeper's) finds in a raw message. */
    static String[] jakartaSignatures(byte[] raw) throws Exception {
        return new jakarta.mail.internet.MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()),
                new java.io.ByteArrayInputStream(raw)).getHeader("X-Streamail-Retention-Sig");
    }

    @Test
    void aGenuineSignatureReplayedInAHeaderThisParserCannotReadIsNeutralisedForEveryReader() throws Exception {
        // The attacker received a genuinely stamped newsletter <n1@corp.example> (P1D) and reuses its
        // Message-ID and signature, so that the phishing mail deletes itself a day after delivery.
        String genuine = signer.sign("P1D", false, "<n1@corp.example>");
        String head = "From: x@evil.test\r\nMessage-ID: <n1@corp.example>\r\n";
        List<String> hiding = List.of(
                head + "Subject : obsolete syntax makes the header unreadable here\r\nX-Streamail-Retention-Sig: "
                        + genuine + "\r\n",
                head + "X-Streamail-Retention-Sig : " + genuine + "\r\n",
                head + "Subject: hi\rX-Streamail-Retention-Sig: " + genuine + "\r\n",
                " leading continuation\r\n" + head + "X-Streamail-Retention-Sig: " + genuine + "\r\n");
        for (String headers : hiding) {
            byte[] raw = msg(headers, "body\r\n");
            assertThat(jakartaSignatures(raw)).as("the attack works on the raw message: " + headers).isNotNull();

            Stamper.Stamped s = stamper.stamp(raw, inbound("x@evil.test"));

            assertThat(jakartaSignatures(s.raw())).as(headers).isNull();
            assertThat(new String(s.raw(), StandardCharsets.ISO_8859_1)).as(headers)
                    .doesNotContainIgnoringCase("X-Streamail-Retention-Sig").endsWith("\r\n\r\nbody\r\n");
            assertThat(s.outcome()).as(headers).containsAnyOf("neutralised", "removed");
        }
        // A Subject that merely mentions the field is not a field and stays as it is.
        byte[] mention = msg("From: x@evil.test\r\nSubject : about X-Streamail-Retention-Sig: headers\r\n", "b\r\n");
        assertThat(stamper.stamp(mention, inbound("x@evil.test")).raw()).isEqualTo(mention);
    }

    @Test
    void aTrustedPartnersHeaderIsSignedWhenEnvelopeAndFromAgree() throws Exception {
        byte[] raw = msg("From: offers@partner.example\r\nMessage-ID: <p1@partner.example>\r\n"
                + "Expires: Sun, 15 Mar 2026 12:00:00 +0000\r\n", "b\r\n");
        HeaderBlock h = parsed(stamper.stamp(raw, inbound("bounce@partner.example")).raw());
        assertThat(signer.verify(h.values("X-Streamail-Retention-Sig").get(0), "<p1@partner.example>").orElseThrow()
                .term()).isEqualTo("2026-03-15T12:00:00Z");
        HeaderBlock spoofed = parsed(stamper.stamp(raw, inbound("x@stranger.example")).raw());
        assertThat(spoofed.values("X-Streamail-Retention-Sig")).isEmpty();
    }

    @Test
    void aPartnerFromThatIsNotTheSingleStrictlyParsedAddressIsNotSigned() throws Exception {
        for (String from : List.of("From: x@evil.test (p@partner.example)\r\n",
                "From: p@partner.example, x@evil.test\r\n", "From: p@partner.example\r\nFrom: x@evil.test\r\n")) {
            byte[] raw = msg(from + "Message-ID: <p2@partner.example>\r\nX-Retention-Period: P1D\r\n", "b\r\n");
            Stamper.Stamped out = stamper.stamp(raw, inbound("bounce@partner.example"));
            assertThat(parsed(out.raw()).values("X-Streamail-Retention-Sig")).as(from).isEmpty();
            assertThat(out.outcome()).as(from).startsWith("not stamped");
        }
    }

    @Test
    void aMessageWithoutMessageIdGetsOneSoTheSignatureCanBindIt() throws Exception {
        byte[] raw = msg("From: marketing@corp.example\r\n", "b\r\n");
        HeaderBlock h = parsed(stamper.stamp(raw, outbound("marketing@corp.example")).raw());
        String mid = h.values("Message-ID").get(0);
        assertThat(mid).startsWith("<").endsWith("@corp.example>");
        assertThat(signer.verify(h.values("X-Streamail-Retention-Sig").get(0), mid)).isPresent();
    }

    @Test
    void mailWithoutAnyClaimOrWithAMalformedHeaderSectionIsReturnedUnchanged() {
        byte[] plain = msg("From: bob@corp.example\r\nMessage-ID: <b@corp.example>\r\n", "b\r\n");
        assertThat(stamper.stamp(plain, outbound("bob@corp.example")).raw()).isEqualTo(plain);
        byte[] junk = " leading continuation\r\n\r\nbody".getBytes(StandardCharsets.US_ASCII);
        Stamper.Stamped s = stamper.stamp(junk, outbound("bob@corp.example"));
        assertThat(s.raw()).isEqualTo(junk);
        assertThat(s.outcome()).startsWith("unchanged");
        byte[] bareLf = "From: marketing@corp.example\nMessage-ID: <l@corp.example>\n\nbody\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(stamper.stamp(bareLf, outbound("marketing@corp.example")).raw(), StandardCharsets.US_ASCII))
                .doesNotContain("\r").endsWith("\n\nbody\n");
    }

    /**
     * Found by RetentionFuzzTest: ISO 8601's decimal comma (PT1,5S) was a valid period but not a signable term, so
     * stamping an internal sender's header threw IllegalArgumentException out of the delivery hook.
     */
    @Test
    void aPeriodWithADecimalCommaIsSignedWithAFullStop() throws Exception {
        byte[] raw = msg("From: ceo@corp.example\r\nMessage-ID: <c1@corp.example>\r\nX-Retention-Period: P1DT1,5S\r\n",
                "body\r\n");
        Stamper.Stamped s = stamper.stamp(raw, outbound("ceo@corp.example"));
        assertThat(s.outcome()).startsWith("stamped").contains("t=P1DT1.5S");
        Signer.SignedClaim claim = signer.verify(parsed(s.raw()).values("X-Streamail-Retention-Sig").get(0),
                "<c1@corp.example>").orElseThrow();
        assertThat(claim.term()).isEqualTo("P1DT1.5S");
    }
}
