package org.streamail.detect.auth.internal.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.detect.auth.internal.dns.Zone;

class DmarcEvaluatorTest {

    private final Zone zone = new Zone();
    private final DmarcEvaluator dmarc = new DmarcEvaluator(zone);

    @Test
    void passViaRelaxedSpfAlignmentOfASubdomain() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcOutcome o = dmarc.evaluate("example.com", "bounces.mail.example.com", List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.PASS);
        assertThat(o.spfAligned()).isTrue();
        assertThat(o.dkimAligned()).isFalse();
        assertThat(o.policy()).isEqualTo("reject");
        assertThat(o.applied()).isEqualTo("none");
        assertThat(o.policyDomain()).isEqualTo("example.com");
        assertThat(o.result().token()).isEqualTo("pass");
    }

    @Test
    void passViaDkim() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=quarantine");
        DmarcOutcome o = dmarc.evaluate("example.com", "other.org", List.of("elsewhere.net", "Example.COM"), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.PASS);
        assertThat(o.dkimAligned()).isTrue();
        assertThat(o.spfAligned()).isFalse();
    }

    @Test
    void failWithoutAlignedPassAppliesPolicy() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcOutcome o = dmarc.evaluate("example.com", "evil.org", List.of("evil.org"), 50);
        assertThat(o.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(o.applied()).isEqualTo("reject");
        assertThat(o.result().token()).isEqualTo("fail");
    }

    @Test
    void strictAlignmentFailsWhereRelaxedPasses() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s; aspf=s");
        DmarcOutcome strict = dmarc.evaluate("example.com", "mail.example.com", List.of("mail.example.com"), 0);
        assertThat(strict.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(strict.spfAligned()).isFalse();
        assertThat(strict.dkimAligned()).isFalse();

        assertThat(dmarc.evaluate("example.com", "example.com", List.of(), 0).result()).isEqualTo(DmarcResult.PASS);
        zone.txt("_dmarc.relaxed.org", "v=DMARC1; p=reject; adkim=r");
        assertThat(dmarc.evaluate("relaxed.org", null, List.of("mail.relaxed.org"), 0).result())
                .isEqualTo(DmarcResult.PASS);
    }

    @Test
    void strictOnlyForTheIdentifierItNames() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s");
        DmarcOutcome o = dmarc.evaluate("example.com", "mail.example.com", List.of("mail.example.com"), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.PASS);
        assertThat(o.spfAligned()).isTrue();
        assertThat(o.dkimAligned()).isFalse();
    }

    @Test
    void fallsBackToTheOrganisationalDomainAndUsesSp() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
        DmarcOutcome sub = dmarc.evaluate("news.example.com", null, List.of(), 0);
        assertThat(sub.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(sub.policyDomain()).isEqualTo("example.com");
        assertThat(sub.policy()).isEqualTo("reject");
        assertThat(sub.applied()).isEqualTo("quarantine");
        assertThat(zone.queries()).isEqualTo(2); // _dmarc.news.example.com, then _dmarc.example.com

        DmarcOutcome top = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(top.applied()).isEqualTo("reject"); // sp= is for subdomains only
    }

    @Test
    void withoutSpASubdomainGetsP() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(dmarc.evaluate("a.b.example.com", null, List.of(), 0).applied()).isEqualTo("reject");
    }

    @Test
    void recordAtTheFromDomainWinsOverTheOrganisationalOne() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject")
                .txt("_dmarc.news.example.com", "v=DMARC1; p=none");
        DmarcOutcome o = dmarc.evaluate("news.example.com", null, List.of(), 0);
        assertThat(o.policyDomain()).isEqualTo("news.example.com");
        assertThat(o.applied()).isEqualTo("none");
        assertThat(zone.queries()).isEqualTo(1);
    }

    @Test
    void pctSamplesOutToTheNextLowerPolicy() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=30")
                .txt("_dmarc.example.org", "v=DMARC1; p=quarantine; pct=0");
        assertThat(dmarc.evaluate("example.com", null, List.of(), 29).applied()).isEqualTo("reject");
        assertThat(dmarc.evaluate("example.com", null, List.of(), 30).applied()).isEqualTo("quarantine");
        assertThat(dmarc.evaluate("example.org", null, List.of(), 0).applied()).isEqualTo("none");
        assertThat(dmarc.evaluate("example.org", null, List.of(), 0).result()).isEqualTo(DmarcResult.FAIL);
    }

    @Test
    void pctOutOfRangeOrMalformedIs100() {
        zone.txt("_dmarc.a.com", "v=DMARC1; p=reject; pct=250")
                .txt("_dmarc.b.com", "v=DMARC1; p=reject; pct=-5")
                .txt("_dmarc.c.com", "v=DMARC1; p=reject; pct=ten");
        for (String d : List.of("a.com", "b.com", "c.com")) {
            assertThat(dmarc.evaluate(d, null, List.of(), 99).applied()).as(d).isEqualTo("reject");
        }
    }

    @Test
    void multipleRecordsAtOneNameIsNone() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=reject")
                .txt("_dmarc.example.com", "v=DMARC1; p=none")
                .txt("_dmarc.example.com", "some other text");
        DmarcOutcome o = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.NONE);
        assertThat(o.policy()).isEmpty();
        assertThat(o.reason()).contains("2 DMARC records");
    }

    @Test
    void onlyRecordsStartingWithVersionCount() {
        zone.txt("_dmarc.example.com", "p=reject; v=DMARC1")
                .txt("_dmarc.example.com", "v=DMARC10; p=reject")
                .txt("_dmarc.example.com", "v=spf1 -all")
                .txt("_dmarc.example.com", "  V = DMARC1 ;P = Reject ; ");
        DmarcOutcome o = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(o.policy()).isEqualTo("reject");
    }

    @Test
    void noRecordAnywhereIsNone() {
        DmarcOutcome o = dmarc.evaluate("mail.example.com", "mail.example.com", List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.NONE);
        assertThat(o.policyDomain()).isEmpty();
        assertThat(o.policy()).isEmpty();
        assertThat(o.applied()).isEqualTo("none");
        assertThat(zone.queries()).isEqualTo(2);
    }

    @Test
    void invalidPWithReportAddressActsAsNone() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=block; rua=mailto:dmarc@example.com");
        DmarcOutcome o = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(o.policy()).isEqualTo("none");
        assertThat(o.applied()).isEqualTo("none");
    }

    @Test
    void invalidOrMissingPWithoutReportAddressIsNone() {
        zone.txt("_dmarc.example.com", "v=DMARC1; p=block")
                .txt("_dmarc.example.org", "v=DMARC1; rua=not a uri");
        DmarcOutcome bad = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(bad.result()).isEqualTo(DmarcResult.NONE);
        assertThat(bad.reason()).contains("invalid record");
        DmarcOutcome missing = dmarc.evaluate("example.org", null, List.of(), 0);
        assertThat(missing.result()).isEqualTo(DmarcResult.NONE);
        assertThat(missing.reason()).contains("invalid record").contains("(missing)");
    }

    @Test
    void unknownTagsAndReportingTagsAreIgnored() {
        zone.txt("_dmarc.example.com", "v=DMARC1;p=quarantine;rua=mailto:a@example.com,mailto:b@example.net!10m;"
                + "ruf=mailto:f@example.com;fo=1:d;rf=afrf;ri=86400;xyz=;;novalue");
        DmarcOutcome o = dmarc.evaluate("example.com", null, List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(o.applied()).isEqualTo("quarantine");
    }

    @Test
    void dnsFailureIsTemperror() {
        zone.servfail("_dmarc.example.com");
        DmarcOutcome o = dmarc.evaluate("example.com", "example.com", List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.TEMPERROR);
        assertThat(o.result().token()).isEqualTo("temperror");
        assertThat(o.reason()).contains("_dmarc.example.com");

        zone.servfail("_dmarc.example.org");
        assertThat(dmarc.evaluate("sub.example.org", null, List.of(), 0).result())
                .isEqualTo(DmarcResult.TEMPERROR); // on the fall-back look-up too
    }

    @Test
    void invalidFromDomainIsPermerror() {
        for (String from : new String[] {"", "  ", "not a domain", "a..b.com", "x".repeat(300) + ".com", null}) {
            DmarcOutcome o = dmarc.evaluate(from, null, List.of(), 0);
            assertThat(o.result()).as(String.valueOf(from)).isEqualTo(DmarcResult.PERMERROR);
            assertThat(o.reason()).isEqualTo("no valid From domain");
            assertThat(o.fromDomain().length()).isLessThanOrEqualTo(253);
        }
        assertThat(zone.queries()).isZero();
    }

    @Test
    void publicSuffixesWithSeveralLabels() {
        assertThat(DmarcEvaluator.organisationalDomain("a.b.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(DmarcEvaluator.organisationalDomain("Mail.Example.COM.")).isEqualTo("example.com");
        zone.txt("_dmarc.example.co.uk", "v=DMARC1; p=reject");
        DmarcOutcome o = dmarc.evaluate("a.b.example.co.uk", "bounce.example.co.uk", List.of(), 0);
        assertThat(o.policyDomain()).isEqualTo("example.co.uk");
        assertThat(o.result()).isEqualTo(DmarcResult.PASS);
        // two registrants under co.uk are not aligned
        assertThat(dmarc.evaluate("example.co.uk", "other.co.uk", List.of(), 0).result())
                .isEqualTo(DmarcResult.FAIL);
    }

    @Test
    void privateSuffixKeepsEachSiteItsOwnOrganisation() {
        assertThat(DmarcEvaluator.organisationalDomain("x.github.io")).isEqualTo("x.github.io");
        assertThat(DmarcEvaluator.organisationalDomain("a.x.github.io")).isEqualTo("x.github.io");
        assertThat(DmarcEvaluator.organisationalDomain("github.io")).isEqualTo("github.io");
        assertThat(DmarcEvaluator.organisationalDomain("localhost")).isEqualTo("localhost");
        zone.txt("_dmarc.x.github.io", "v=DMARC1; p=reject");
        assertThat(dmarc.evaluate("x.github.io", "y.github.io", List.of(), 0).result()).isEqualTo(DmarcResult.FAIL);
        assertThat(dmarc.evaluate("x.github.io", "mail.x.github.io", List.of(), 0).result())
                .isEqualTo(DmarcResult.PASS);
    }

    @Test
    void reasonIsBounded() {
        String longLabel = "l".repeat(60);
        String from = String.join(".", longLabel, longLabel, longLabel, "example.com");
        DmarcOutcome o = dmarc.evaluate(from, null, List.of(), 0);
        assertThat(o.result()).isEqualTo(DmarcResult.NONE);
        assertThat(o.reason().length()).isLessThanOrEqualTo(200);
    }
}
