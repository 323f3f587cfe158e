package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.streamail.retention.internal.ExpiryCalculator.Decision;

class ExpiryCalculatorTest {

    static final Instant RECEIVED = Instant.parse("2026-03-01T12:00:00Z");
    final Signer signer = new Signer(SignerTest.KEY);
    final ExpiryCalculator calc = new ExpiryCalculator(signer,
            PolicyTest.policy(Map.of("trusted.domains", "partner.example", "min.age", "P1D", "max.age", "P365D")),
            Set.of("corp.example"));

    static Function<String, List<String>> headers(String... nameValue) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.computeIfAbsent(nameValue[i].toLowerCase(), k -> new ArrayList<>()).add(nameValue[i + 1]);
        }
        return name -> m.getOrDefault(name.toLowerCase(), List.of());
    }

    @Test
    void aSignedPeriodCountsFromTheServersReceiptNeverFromTheDateHeader() {
        Decision d = calc.decide(headers("From", "ceo@corp.example", "Message-ID", "<m1@corp.example>",
                "Date", "Thu, 1 Jan 2015 00:00:00 +0000", "X-Retention-Period", "P14D",
                "X-Streamail-Retention-Sig", signer.sign("P14D", true, "<m1@corp.example>")), RECEIVED);
        assertThat(d.expiry()).isEqualTo(RECEIVED.plus(Duration.ofDays(14)));
        assertThat(d.rule()).isEqualTo("signed:P14D");
        assertThat(d.modifiable()).isTrue();
        assertThat(d.expiredAt(RECEIVED.plus(Duration.ofDays(13)))).isFalse();
        assertThat(d.expiredAt(RECEIVED.plus(Duration.ofDays(14)))).isTrue();
    }

    @Test
    void unsignedHeadersFromAnInternalSenderAreIgnored() {
        Decision d = calc.decide(headers("From", "Boss <boss@corp.example>", "Message-ID", "<m@x>",
                "X-Retention-Period", "P1D", "X-Retention-Modifiable", "yes"), RECEIVED);
        assertThat(d.applies()).isFalse();
        assertThat(d.rule()).isEqualTo("ignored:unsigned internal sender");
    }

    @Test
    void aStrangerCannotMakeMailVanishByAddingAHeader() {
        Decision d = calc.decide(headers("From", "spam@stranger.example", "Expires", "Thu, 1 Jan 1970 00:00:00 +0000",
                "X-Retention-Period", "PT1S"), RECEIVED);
        assertThat(d.applies()).isFalse();
        assertThat(d.rule()).isEqualTo("ignored:untrusted sender");
    }

    @Test
    void aForgedSignatureLendsNoTrustAndGrantsNothing() {
        String forged = signer.sign("P14D", false, "<m1@corp.example>").replace("m=no", "m=yes");
        Decision d = calc.decide(headers("From", "ceo@corp.example", "Message-ID", "<m1@corp.example>",
                "X-Streamail-Retention-Sig", forged), RECEIVED);
        assertThat(d.applies()).isFalse();
        assertThat(d.rule()).isEqualTo("ignored:invalid signature");
        String otherKey = new Signer(SignerTest.filled(32, 1)).sign("PT1H", true, "<m2@x>");
        assertThat(calc.decide(headers("From", "x@stranger.example", "Message-ID", "<m2@x>",
                "X-Streamail-Retention-Sig", otherKey), RECEIVED).applies()).isFalse();
    }

    @Test
    void trustedExternalDomainsAreHonouredWithoutSignatureButNeverModifiable() {
        Decision d = calc.decide(headers("From", "\"Offers\" <offers@partner.example>",
                "Expires", "Sun, 15 Mar 2026 12:00:00 +0000", "X-Retention-Modifiable", "yes"), RECEIVED);
        assertThat(d.expiry()).isEqualTo(Instant.parse("2026-03-15T12:00:00Z"));
        assertThat(d.rule()).startsWith("trusted:Expires=");
        assertThat(d.modifiable()).isFalse();
        Decision expiryDate = calc.decide(headers("From", "offers@partner.example",
                "Expiry-Date", "15 Mar 2026 12:00:00 +0000"), RECEIVED);
        assertThat(expiryDate.expiry()).isEqualTo(Instant.parse("2026-03-15T12:00:00Z"));
    }

    @Test
    void datesOf1970And2099AreClampedToMinAndMaxAge() {
        Decision early = calc.decide(headers("From", "a@partner.example", "Expires", "Thu, 1 Jan 1970 00:00:00 +0000"),
                RECEIVED);
        assertThat(early.expiry()).isEqualTo(RECEIVED.plus(Duration.ofDays(1)));
        assertThat(early.rule()).endsWith("clamped:min.age");
        Decision late = calc.decide(headers("From", "a@partner.example", "Expires", "Thu, 31 Dec 2099 00:00:00 +0000"),
                RECEIVED);
        assertThat(late.expiry()).isEqualTo(RECEIVED.plus(Duration.ofDays(365)));
        assertThat(late.rule()).endsWith("clamped:max.age");
        Decision signedLate = calc.decide(headers("From", "ceo@corp.example", "Message-ID", "<m@corp.example>",
                "X-Streamail-Retention-Sig", signer.sign("2099-12-31T00:00:00Z", false, "<m@corp.example>")), RECEIVED);
        assertThat(signedLate.expiry()).isEqualTo(RECEIVED.plus(Duration.ofDays(365)));
    }

    @Test
    void badNegativeOrRepeatedHeadersAreIgnoredNotGuessed() {
        assertThat(calc.decide(headers("From", "a@partner.example", "X-Retention-Period", "-P1D"), RECEIVED).rule())
                .isEqualTo("ignored:unreadable X-Retention-Period");
        assertThat(calc.decide(headers("From", "a@partner.example", "Expires", "next tuesday"), RECEIVED).rule())
                .isEqualTo("ignored:unreadable Expires");
        assertThat(calc.decide(headers("From", "a@partner.example", "X-Retention-Period", "P1D",
                "X-Retention-Period", "P9D"), RECEIVED).rule()).isEqualTo("ignored:several X-Retention-Period headers");
        assertThat(calc.decide(headers("From", "a@partner.example", "X-Retention-Period", "P1D"), null).applies()).isFalse();
    }

    @Test
    void trustedUnsignedCanBeSwitchedOffSoOnlySignaturesCount() {
        ExpiryCalculator strict = new ExpiryCalculator(signer, PolicyTest.policy(Map.of("trusted.domains",
                "partner.example", "trusted.unsigned", "false")), Set.of());
        assertThat(strict.decide(headers("From", "a@partner.example", "X-Retention-Period", "P5D"), RECEIVED).applies())
                .isFalse();
    }

    @Test
    void aPartnerAddressOnlyInACommentOfFromLendsNoTrust() {
        Decision d = calc.decide(headers("From", "x@evil.test (p@partner.example)", "X-Retention-Period", "P1D"),
                RECEIVED);
        assertThat(d.applies()).isFalse();
        assertThat(d.rule()).isEqualTo("ignored:untrusted sender");
    }

    @Test
    void aFromWithTwoAddressesLendsNoTrustWhicheverComesFirst() {
        for (String from : List.of("x@evil.test, p@partner.example", "p@partner.example, x@evil.test")) {
            Decision d = calc.decide(headers("From", from, "X-Retention-Period", "P1D"), RECEIVED);
            assertThat(d.applies()).as(from).isFalse();
            assertThat(d.rule()).as(from).isEqualTo("ignored:untrusted sender (several addresses in From)");
        }
    }

    @Test
    void twoFromHeadersLendNoTrustEvenWithThePartnersFirst() {
        Decision d = calc.decide(headers("From", "p@partner.example", "From", "x@evil.test",
                "X-Retention-Period", "P1D"), RECEIVED);
        assertThat(d.applies()).isFalse();
        assertThat(d.rule()).isEqualTo("ignored:untrusted sender (several From headers)");
    }

    @Test
    void aGroupAnUnreadableOrAMissingFromLendsNoTrust() {
        assertThat(calc.decide(headers("From", "Partners: p@partner.example;", "X-Retention-Period", "P1D"), RECEIVED)
                .rule()).isEqualTo("ignored:untrusted sender (group in From)");
        assertThat(calc.decide(headers("From", "p@partner.example (unclosed", "X-Retention-Period", "P1D"), RECEIVED)
                .rule()).isEqualTo("ignored:untrusted sender (unreadable From header)");
        assertThat(calc.decide(headers("From", "x@evil.test@partner.example", "X-Retention-Period", "P1D"), RECEIVED)
                .rule()).isEqualTo("ignored:untrusted sender (unreadable From header)");
        assertThat(calc.decide(headers("From", "<@evil.test:p@partner.example>", "X-Retention-Period", "P1D"),
                RECEIVED).rule()).isEqualTo("ignored:untrusted sender (source route in From)");
        assertThat(calc.decide(headers("X-Retention-Period", "P1D"), RECEIVED).rule())
                .isEqualTo("ignored:untrusted sender (no From header)");
    }

    @Test
    void aDisplayNameOrEncodedWordNamingThePartnerLendsNoTrust() {
        for (String from : List.of("\"p@partner.example\" <x@evil.test>",
                "=?utf-8?q?p=40partner.example?= <x@evil.test>")) {
            Decision d = calc.decide(headers("From", from, "X-Retention-Period", "P1D"), RECEIVED);
            assertThat(d.applies()).as(from).isFalse();
            assertThat(d.rule()).as(from).isEqualTo("ignored:untrusted sender");
        }
    }

    @Test
    void aSinglePartnerAddressIsStillTrustedWithNameCommentOrFolding() {
        for (String from : List.of("p@partner.example", "Partner <P@Partner.Example>",
                "p@partner.example (Partner Ltd)", "\"Partner, Ltd\"\r\n <p@partner.example>")) {
            Decision d = calc.decide(headers("From", from, "X-Retention-Period", "P2D"), RECEIVED);
            assertThat(d.expiry()).as(from).isEqualTo(RECEIVED.plus(Duration.ofDays(2)));
            assertThat(d.rule()).as(from).isEqualTo("trusted:X-Retention-Period=P2D");
        }
    }

    @Test
    void theSenderIsTheOneStrictlyParsedFromAddress() {
        assertThat(ExpiryCalculator.sender(List.of("Partner <p@PARTNER.example>")).domain()).isEqualTo("partner.example");
        assertThat(ExpiryCalculator.sender(List.of("x@evil.test (p@partner.example)")).domain()).isEqualTo("evil.test");
        assertThat(ExpiryCalculator.sender(List.of("\"p@partner.example\"@evil.test")).domain()).isEqualTo("evil.test");
        assertThat(ExpiryCalculator.sender(List.of("x@[192.0.2.1]")).refusal()).isEqualTo("From domain is not a host name");
        assertThat(ExpiryCalculator.sender(List.of("a@partner.example" + " ".repeat(ExpiryCalculator.MAX_FROM_LENGTH)))
                .refusal()).isEqualTo("From header too long");
    }
}
